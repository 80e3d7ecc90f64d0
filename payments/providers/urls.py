"""Provider callbacks (config/urls.py mounts them with the sandbox bank's pages as ``providers``)."""

from django.urls import path

from payments.providers import views

urlpatterns = [
    path("callbacks/<slug:provider>", views.provider_callback, name="callback"),
]
