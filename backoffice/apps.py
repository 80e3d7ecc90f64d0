from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff's side across apps: the dashboard, the roles, the order page with its money.

    Above orders, payments and suppliers, since its pages show all three."""

    name = "backoffice"
    verbose_name = "Back office"
