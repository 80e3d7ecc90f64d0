"""Reads of refunds: a partner's (always scoped to the partner) and staff's list of money owed."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from orders.models import Order, OrderLine
from payments.models import Refund, RefundFailureStage, RefundLine, RefundStatus


def with_lines(queryset: QuerySet[Refund]) -> QuerySet[Refund]:
    """Refunds with their lines (and each line's position) in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch(
            "refund_lines", queryset=RefundLine.objects.select_related("line").order_by("line__position")
        )
    )


def refunds_of_order(*, partner_id: int, order_id) -> QuerySet[Refund] | None:
    """The order's refunds, oldest first; None when the order is not the partner's."""
    if not Order.objects.filter(pk=order_id, partner_id=partner_id).exists():
        return None
    return with_lines(Refund.objects.filter(order_id=order_id).order_by("created_at", "id"))


def refund_for_partner(*, partner_id: int, refund_id) -> Refund | None:
    return with_lines(Refund.objects.filter(pk=refund_id, order__partner_id=partner_id)).first()


def line_ids_by_position(*, partner_id: int, order_id, positions: list[int]) -> dict[int, int] | None:
    """{position: line id} for those positions the order has; None when the order is not the partner's."""
    if not Order.objects.filter(pk=order_id, partner_id=partner_id).exists():
        return None
    lines = OrderLine.objects.filter(order_id=order_id, position__in=positions)
    return dict(lines.values_list("position", "pk"))


def owing_money(queryset: QuerySet[Refund]) -> QuerySet[Refund]:
    """FAILED refunds whose money the provider did not send back and that nobody has sent again.

    Such a refund failed after it had gone to the provider, so its lines are refunded at the
    supplier while the customer still waits for the money.
    """
    return queryset.filter(status=RefundStatus.FAILED, failure_stage=RefundFailureStage.PROVIDER).exclude(
        Exists(Refund.objects.filter(retry_of=OuterRef("pk")))
    )
