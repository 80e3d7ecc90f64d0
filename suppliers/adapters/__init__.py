"""The registry of supplier adapters, by the name a Supplier row gives in ``adapter``."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from suppliers.adapters.base import SupplierAdapter

if TYPE_CHECKING:
    from suppliers.adapters.base import BookingLine
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
    _load_builtin()
    return sorted(_REGISTRY)


def adapter_for(supplier: "Supplier") -> SupplierAdapter:
    _load_builtin()
    try:
        cls = _REGISTRY[supplier.adapter]
    except KeyError as exc:
        raise UnknownAdapter(f"no supplier adapter named {supplier.adapter!r}") from exc
    return cls(supplier)


def adapter_for_line(line: "BookingLine") -> SupplierAdapter:
    """The adapter that fulfils ``line``: Tessera's own stock for a product sold from stock
    (whichever vendor supplied its codes), else the line's supplier's adapter."""
    from suppliers.models import StockSource

    if line.product.stock_source == StockSource.INVENTORY:
        from suppliers.adapters.inventory import InventoryAdapter

        return InventoryAdapter(line.supplier)
    return adapter_for(line.supplier)


def _load_builtin() -> None:
    from suppliers.adapters import http_json, sandbox  # noqa: F401 - register themselves
