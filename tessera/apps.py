from django.apps import AppConfig


class TesseraConfig(AppConfig):
    name = "tessera"
    verbose_name = "Tessera platform"
    default_auto_field = "django.db.models.BigAutoField"
