"""Provider callbacks, and the sandbox provider's own hosted "bank" pages."""

app_name = "providers"

urlpatterns: list = []
