"""The registry of supplier adapters, by the name a Supplier row gives in ``adapter``."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from suppliers.adapters.base import SupplierAdapter

if TYPE_CHECKING:
    from suppliers.models import Supplier

_REGISTRY: dict[str, type[SupplierAdapter]] = {}


class UnknownAdapter(LookupError):
    pass


def register(name: str) -> Callable[[type[SupplierAdapter]], type[SupplierAdapter]]:
    def decorate(cls: type[SupplierAdapter]) -> type[SupplierAdapter]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"adapter {name!r} is registered twice")
        _REGISTRY[name] = cls
        return cls

    return decorate


def registered_names() -> list[str]:
    return sorted(_REGISTRY)


def adapter_for(supplier: "Supplier") -> SupplierAdapter:
    try:
        cls = _REGISTRY[supplier.adapter]
    except KeyError as exc:
        raise UnknownAdapter(f"no supplier adapter named {supplier.adapter!r}") from exc
    return cls(supplier)
