from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Stand-ins for the outside world: the sandbox supplier, payment provider and bank, the
    supplier simulator and the demo data. It plugs into the registries of suppliers and payments,
    which never import it."""

    name = "sandbox"
    verbose_name = "Sandbox"

    def ready(self) -> None:
        from sandbox import provider, supplier  # noqa: F401 - each registers itself
