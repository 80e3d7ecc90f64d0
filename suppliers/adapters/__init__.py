"""The registry of supplier adapters, by the name a Supplier row gives in ``adapter``."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from suppliers.adapters.base import SupplierAdapter
from tessera import metrics

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


def adapter_exchanges(name: str) -> bool:
    """Whether the adapter named ``name`` can send exchanges (``BookingLine.replaces``) through
    its supplier's change call: its class says ``exchanges = True``."""
    return getattr(_REGISTRY.get(name), "exchanges", False)


def adapter_for(supplier: "Supplier") -> SupplierAdapter:
    try:
        cls = _REGISTRY[supplier.adapter]
    except KeyError as exc:
        raise UnknownAdapter(f"no supplier adapter named {supplier.adapter!r}") from exc
    return MeteredAdapter(cls(supplier), supplier.slug)


class MeteredAdapter:
    """An adapter whose calls to the supplier are counted and timed (tessera.metrics), by the
    supplier's slug; anything else is the adapter's own. A booking (``reserve_booking``,
    ``issue_booking``, ...) counts as one call of its operation, whichever way the adapter
    sends it; one whose every line failed counts under that error's class."""

    OPERATIONS = {
        "reserve_booking": "reserve",
        "issue_booking": "issue",
        "cancel_booking": "cancel",
        "status_booking": "status",
        "refund_booking": "refund",
        **{name: name for name in ("reserve", "issue", "cancel", "refund", "status", "ping")},
    }

    def __init__(self, adapter: SupplierAdapter, supplier_slug: str) -> None:
        self.adapter = adapter
        self.supplier_slug = supplier_slug

    def __getattr__(self, name: str):
        attribute = getattr(self.adapter, name)
        operation = self.OPERATIONS.get(name)
        if operation is None:
            return attribute

        def metered(*args, **kwargs):
            with metrics.supplier_call(self.supplier_slug, operation) as call:
                answer = attribute(*args, **kwargs)
                if isinstance(answer, dict) and answer:
                    errors = [result for result in answer.values() if isinstance(result, Exception)]
                    if len(errors) == len(answer):
                        call.outcome = type(errors[0]).__name__
                return answer

        return metered
