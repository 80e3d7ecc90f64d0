"""Payment providers by name. A Payment row names its provider; settings pick the gateway's."""

from payments.providers.base import PaymentProvider

_REGISTRY: dict[str, type] = {}


def register(name: str):
    def decorate(cls: type) -> type:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def get_provider(name: str) -> PaymentProvider:
    """The provider called ``name`` (as a Payment or a callback URL names it); LookupError if none."""
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise LookupError(f"No payment provider called {name!r}.") from None
