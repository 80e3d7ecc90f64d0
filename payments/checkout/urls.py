"""The customer's pages: checkout, return from the provider, status, receipt and tickets."""

app_name = "checkout"

urlpatterns: list = []
