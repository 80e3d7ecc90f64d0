"""The audit events of a supplier's own state, one function per event type."""

from suppliers.models import SupplierEvent

BREAKER_OPENED = "supplier.breaker_opened"
BREAKER_REOPENED = "supplier.breaker_reopened"
BREAKER_CLOSED = "supplier.breaker_closed"


def breaker_opened(*, supplier_id: int, failures: int, reason: str) -> SupplierEvent:
    return SupplierEvent.objects.create(
        supplier_id=supplier_id, name=BREAKER_OPENED, payload={"failures": failures, "reason": reason}
    )


def breaker_reopened(*, supplier_id: int, reason: str) -> SupplierEvent:
    """The probe after the cool-down failed: the breaker stays open for another cool-down."""
    return SupplierEvent.objects.create(
        supplier_id=supplier_id, name=BREAKER_REOPENED, payload={"reason": reason}
    )


def breaker_closed(*, supplier_id: int, open_seconds: float) -> SupplierEvent:
    return SupplierEvent.objects.create(
        supplier_id=supplier_id, name=BREAKER_CLOSED, payload={"openSeconds": round(open_seconds, 1)}
    )
