"""Selectors: what in the back office waits for a person (the dashboard and the "needs attention" filter).

Every set is found from an index, so the dashboard and the filter stay fast at a million orders:
PROCESSING orders through ``order_status_created``, lines by status through
``line_status_updated``, PENDING orders about to expire through the partial
``order_pending_expiry``, refunds owing money through ``refund_status_stage``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet

from orders.models import Order, OrderLine
from orders.statuses import LineStatus, OrderStatus
from payments import refund_selectors
from payments.models import Refund
from tessera.admin_base import COUNT_CAP
from tessera.admin_filters import midnight

FAILED_WINDOW = timedelta(hours=24)
MAX_IDS = COUNT_CAP  # as many as the lists count


@dataclass(frozen=True)
class AttentionKind:
    key: str
    label: str


STUCK = AttentionKind("stuck", "Processing too long")
UNKNOWN = AttentionKind("unknown", "A line's outcome is unknown")
FAILED = AttentionKind("failed", "A line failed in the last 24 hours")
EXPIRING = AttentionKind("expiring", "Pending, about to expire")
OWED = AttentionKind("owed", "Refund money owed")
KINDS = (STUCK, UNKNOWN, FAILED, EXPIRING, OWED)


def stuck_processing(now: datetime) -> QuerySet[Order]:
    """Orders finalized more than ATTENTION_PROCESSING_MINUTES ago and still PROCESSING."""
    since = now - timedelta(minutes=settings.ATTENTION_PROCESSING_MINUTES)
    return Order.objects.filter(status=OrderStatus.PROCESSING, finalized_at__lt=since)


def expiring_soon(now: datetime) -> QuerySet[Order]:
    """PENDING orders that expire within ATTENTION_EXPIRING_MINUTES."""
    until = now + timedelta(minutes=settings.ATTENTION_EXPIRING_MINUTES)
    return Order.objects.filter(status=OrderStatus.PENDING, expires_at__gt=now, expires_at__lte=until)


def unknown_lines() -> QuerySet[OrderLine]:
    """Lines whose supplier did not answer: reconciliation or a person must find out."""
    return OrderLine.objects.filter(status=LineStatus.UNKNOWN)


def recently_failed_lines(now: datetime) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(status=LineStatus.FAILED, updated_at__gte=now - FAILED_WINDOW)


def refunds_owing_money() -> QuerySet[Refund]:
    return refund_selectors.owing_money(Refund.objects.all())


def order_ids(kind: str, now: datetime) -> QuerySet:
    """The ids of the orders of one attention kind (a flat values list)."""
    if kind == STUCK.key:
        return stuck_processing(now).order_by().values_list("pk", flat=True)
    if kind == EXPIRING.key:
        return expiring_soon(now).order_by().values_list("pk", flat=True)
    if kind == UNKNOWN.key:
        return unknown_lines().order_by().values_list("order_id", flat=True)
    if kind == FAILED.key:
        return recently_failed_lines(now).order_by().values_list("order_id", flat=True)
    if kind == OWED.key:
        return refunds_owing_money().order_by().values_list("order_id", flat=True)
    raise ValueError(f"unknown attention kind {kind!r}")


def needing_attention(queryset: QuerySet[Order], kind: str, now: datetime) -> QuerySet[Order]:
    """``queryset`` narrowed to one kind, or to any kind (``"any"``).

    The kinds that are conditions on the order itself stay conditions, so the list reads them
    newest first from ``order_status_created``. The others are small sets of ids, read first
    (at most ``MAX_IDS``) and given to the list as a literal IN list: the database then probes
    the primary key per id. As a subquery, the planner may instead walk every order newest first
    and probe each one's lines (seconds at a million orders when the set is small and old).
    "any" reads the union of the five sets in one statement.
    """
    if kind == STUCK.key:
        return queryset & stuck_processing(now)
    if kind == EXPIRING.key:
        return queryset & expiring_soon(now)
    if kind == "any":
        first, *others = (order_ids(k.key, now) for k in KINDS)
        ids = first.union(*others)
    else:
        ids = order_ids(kind, now).distinct()
    return queryset.filter(pk__in=list(ids.order_by()[:MAX_IDS]))


# --- the dashboard's figures ---------------------------------------------------------------------


def todays_orders_by_status(now: datetime) -> dict[str, int]:
    """Orders created today (UTC) by status, in one statement of one count per status.

    Each count is an index-only range of ``order_status_created`` (status, created_at): a single
    GROUP BY over today's rows would read every one of them from the table.
    """
    since = midnight(now.date())
    first, *others = (
        Order.objects.filter(status=status, created_at__gte=since)
        .values("status")
        .annotate(count=Count("*"))
        .values_list("status", "count")
        .order_by()
        for status in OrderStatus
    )
    return dict(first.union(*others, all=True).order_by())
