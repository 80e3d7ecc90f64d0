"""Delayed delivery (seed 003): the supplier accepts a line and releases its voucher later.

A line it accepted waits ISSUING with sub-status ``vendor_order_created``, then
``voucher_fetch_pending`` once asked and told "not yet". This periodic poll asks the supplier
about each such line every VOUCHER_POLL_SECONDS, through the line's reconcile step, which stores
the voucher when the supplier has it. The UNKNOWN-line sweep stays a safety net only: a polled
line never looks stale to it.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from orders import queue
from orders.models import OrderLine
from orders.statuses import DELAYED_SUB_STATUSES, LineStatus

POLL_BATCH = 500


def delayed_vouchers_poll(*, limit: int = POLL_BATCH) -> int:
    """Ask again about every delayed line not asked about for VOUCHER_POLL_SECONDS; how many."""
    now = timezone.now()
    due_before = now - timedelta(seconds=settings.VOUCHER_POLL_SECONDS)
    line_ids = list(
        OrderLine.objects.filter(
            status=LineStatus.ISSUING, sub_status__in=DELAYED_SUB_STATUSES, updated_at__lte=due_before
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    # The line's updated_at is the poll's clock: moved now, so the next run skips it until due.
    OrderLine.objects.filter(pk__in=line_ids).update(updated_at=now)
    queue.reconciliation(line_ids)
    return len(line_ids)
