"""Provider callbacks, and the sandbox provider's own hosted "bank" pages."""

from django.urls import path

from payments.providers import sandbox_views, views

app_name = "providers"

urlpatterns = [
    path("callbacks/<slug:provider>", views.provider_callback, name="callback"),
    path("sandbox-bank/<str:session_id>/", sandbox_views.bank_page, name="sandbox-bank"),
    path("sandbox-bank/<str:session_id>/decide", sandbox_views.bank_decide, name="sandbox-bank-decide"),
]
