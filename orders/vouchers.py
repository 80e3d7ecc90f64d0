"""Storing what a supplier delivered for a line, sealed."""

from django.utils import timezone

from orders import sealing
from orders.models import OrderLine, Voucher
from suppliers.adapters.base import DeliveredItem

SEALED_FIELDS = ("code", "pin", "url")


def _associated_data(voucher: Voucher, field: str) -> str:
    return f"voucher:{voucher.pk}:{field}"


def voucher_store(*, line: OrderLine, item: DeliveredItem) -> Voucher:
    """Create the line's voucher; the caller holds the order's lock (one voucher per line)."""
    voucher = Voucher(
        line=line,
        kind=item.kind,
        collection_reference=item.collection_reference,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        delivered_at=timezone.now(),
        key_id=sealing.current_key_id(),
    )
    for field in SEALED_FIELDS:
        value = getattr(item, field)
        if value:
            _, blob = sealing.seal(
                value, associated_data=_associated_data(voucher, field), key_id=voucher.key_id
            )
            setattr(voucher, f"{field}_sealed", blob)
    voucher.save()
    return voucher


def voucher_secret(voucher: Voucher, field: str) -> str | None:
    """Open one sealed field. Callers decide who may see it and audit the reveal."""
    blob = getattr(voucher, f"{field}_sealed")
    if blob is None:
        return None
    return sealing.unseal(blob, key_id=voucher.key_id, associated_data=_associated_data(voucher, field))
