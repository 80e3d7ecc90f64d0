"""Giving back at the supplier the issued lines a confirmed amendment removed or exchanged away.

The partner's money for them moved with the amendment's balance; this only tells the supplier,
after commit: one refund call per booking (an order's lines at one supplier) through its breaker
and bulkhead (orders.bookings.booking_call), each line with its own key, the same for every
retry, so a retry or a re-run asks once. A supplier that refuses a line (a non-refundable fare)
is recorded on the line for staff to follow up. A line exchanged through its supplier's change
call is not returned: the supplier cancels it when it issues the new line (``lines_to_return``).
"""

import logging

from orders import events, queue
from orders.bookings import booking_call, group_into_bookings, return_booking_of
from orders.models import OrderLine
from orders.statuses import LineStatus
from orders.stock_adapter import adapter_for_line
from suppliers.adapters.base import PermanentSupplierError, SupplierError
from suppliers.breaker import CallDeferred
from tessera.background.retries import attempts_left, retry_at

logger = logging.getLogger(__name__)


def lines_to_return(removed: list[OrderLine], new: list[OrderLine]) -> list[OrderLine]:
    """The lines a confirmed amendment removes that must be given back at their suppliers: all
    but those a new line exchanges through its supplier's change call, which cancels them itself
    when it issues the new one (orders.bookings.exchanges_at_supplier)."""
    exchanged = {line.replaces_id for line in new if line.supplier_exchange}
    return [line for line in removed if line.pk not in exchanged]


def lines_to_return_after_failed_exchanges(failed: list[OrderLine]) -> list[int]:
    """The old lines of exchanges whose supplier refused to confirm them (the new line FAILED
    issuing): the old ticket is still live there, so it is given back as a removed line is. The
    other half of ``lines_to_return``, which left them out at confirmation."""
    return [line.replaces_id for line in failed if line.supplier_exchange]


def lines_return_at_supplier(*, line_ids: list[int], attempt: int = 1) -> str:
    lines = list(
        OrderLine.objects.select_related("product", "supplier", "order", "traveller")
        .filter(pk__in=line_ids, status=LineStatus.REMOVED)
        .order_by("pk")
    )
    if not lines:
        return "skipped"
    outcomes = []
    for booking in group_into_bookings(lines):
        outcomes.append(_return_booking(booking, attempt))
    return ",".join(outcomes)


def _return_booking(lines: list[OrderLine], attempt: int) -> str:
    adapter = adapter_for_line(lines[0])
    booking = return_booking_of(lines)
    try:
        answers = booking_call(lines, adapter, lambda: adapter.refund_booking(booking))
    except CallDeferred as deferred:
        queue.returns([line.pk for line in lines], attempt=attempt, run_after=deferred.until)
        return "waiting"
    retry = []
    for line in lines:
        answer = answers[line.pk]
        if isinstance(answer, PermanentSupplierError):
            events.line_return_refused(line, code=answer.code, reason=str(answer))
        elif isinstance(answer, SupplierError):
            retry.append(line.pk)
        else:
            events.line_return_confirmed(line, reference=answer.reference)
    if not retry:
        return "returned"
    if attempts_left(attempt):
        queue.returns(retry, attempt=attempt + 1, run_after=retry_at(attempt))
        return "retry"
    logger.error("giving up returning lines %s at the supplier", retry)
    return "gave_up"
