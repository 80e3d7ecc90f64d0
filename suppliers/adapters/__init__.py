"""The registry of supplier adapters, by the name a Supplier row gives in ``adapter``."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from suppliers.adapters.base import SupplierAdapter
from tessera import metrics

if TYPE_CHECKING:
    from orders.models import OrderLine
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
    return MeteredAdapter(cls(supplier), supplier.slug)


def adapter_for_line(line: "OrderLine") -> SupplierAdapter:
    """The adapter that fulfils ``line``: Tessera's own stock for a product sold from stock
    (whichever vendor supplied its codes), else the line's supplier's adapter."""
    from suppliers.models import StockSource

    if line.product.stock_source == StockSource.INVENTORY:
        from suppliers.adapters.inventory import InventoryAdapter

        return MeteredAdapter(InventoryAdapter(line.supplier), line.supplier.slug)
    return adapter_for(line.supplier)


class MeteredAdapter:
    """An adapter whose calls to the supplier are counted and timed (tessera.metrics), by the
    supplier's slug; anything else is the adapter's own."""

    OPERATIONS = frozenset({"reserve", "issue", "cancel", "refund", "status", "ping"})

    def __init__(self, adapter: SupplierAdapter, supplier_slug: str) -> None:
        self.adapter = adapter
        self.supplier_slug = supplier_slug

    def __getattr__(self, name: str):
        attribute = getattr(self.adapter, name)
        if name not in self.OPERATIONS:
            return attribute

        def metered(*args, **kwargs):
            with metrics.supplier_call(self.supplier_slug, name):
                return attribute(*args, **kwargs)

        return metered


def _load_builtin() -> None:
    from suppliers.adapters import sandbox  # noqa: F401 - registers itself
