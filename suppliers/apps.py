from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = "Suppliers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from suppliers.adapters import http_json  # noqa: F401 - registers itself
