"""Giving back at the supplier the issued lines a confirmed amendment removed or exchanged away.

The partner's money for them moved with the amendment's balance; this only tells the supplier,
after commit, with the line's idempotency key, so a retry or a re-run asks once. A supplier that
refuses (a non-refundable fare) is recorded on the line for staff to follow up.
"""

import logging

from orders import events, queue
from orders.bookings import booking_line
from orders.models import OrderLine
from orders.statuses import LineStatus
from orders.stock_adapter import adapter_for_line
from suppliers.adapters.base import PermanentSupplierError, SupplierError
from tessera.background.retries import attempts_left, retry_at

logger = logging.getLogger(__name__)


def line_return_at_supplier(*, line_id: int, attempt: int = 1) -> str:
    line = (
        OrderLine.objects.select_related("product", "supplier", "order", "traveller")
        .filter(pk=line_id)
        .first()
    )
    if line is None or line.status != LineStatus.REMOVED:
        return "skipped"
    try:
        result = adapter_for_line(line).refund(
            booking_line(line), idempotency_key=line.supplier_key("amendment-return"), amount=line.amount
        )
    except PermanentSupplierError as exc:
        events.line_return_refused(line, code=exc.code, reason=str(exc))
        return "refused"
    except SupplierError as exc:
        if attempts_left(attempt):
            queue.returns([line_id], attempt=attempt + 1, run_after=retry_at(attempt))
            return "retry"
        logger.error("giving up returning line %s at the supplier: %s", line_id, exc)
        return "gave_up"
    events.line_return_confirmed(line, reference=result.reference)
    return "returned"
