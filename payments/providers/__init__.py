"""Payment providers by name. A Payment row names its provider; settings pick the gateway's."""

from django.conf import settings

from payments.providers.base import PaymentProvider

_REGISTRY: dict[str, type] = {}


def register(name: str):
    def decorate(cls: type) -> type:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name``, or the gateway's (settings.PAYMENT_GATEWAY_PROVIDER)."""
    from payments.providers import sandbox  # noqa: F401  (registers itself)

    key = name or settings.PAYMENT_GATEWAY_PROVIDER
    try:
        return _REGISTRY[key]()
    except KeyError:
        raise LookupError(f"No payment provider called {key!r}.") from None
