"""Reads of an order as the partner API shows it: with its lines, travellers, payments and refunds."""

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderLine, Traveller
from orders.selectors import DETAILS, live_versions, orders_of
from payments import refund_selectors
from payments.models import Payment, Refund
from tessera.prefetched import holds_prefetched


def with_details(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Everything an order's API representation shows, in a fixed number of queries."""
    return queryset.select_related("partner", "checkout").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("product", "supplier", "offer", "voucher").order_by(
                "position"
            ),
        ),
        # Explicit orderings: the models' own sort by their order first, which joins the orders
        # table for its default ordering on every read.
        Prefetch("travellers", queryset=Traveller.objects.order_by("position")),
        Prefetch("payments", queryset=Payment.objects.order_by("created_at")),
        Prefetch("refunds", queryset=refund_selectors.with_lines(Refund.objects.order_by("created_at"))),
        Prefetch("versions", queryset=live_versions()),
    )


def order_for_partner(*, partner_id: int, order_id) -> Order | None:
    return with_details(orders_of(partner_id)).filter(pk=order_id).first()


def order_details(order: Order, *, partner_id: int) -> Order | None:
    """``order`` as the API shows it: as it is when it holds its details, else read again."""
    if holds_prefetched(order, DETAILS):
        return order
    return order_for_partner(partner_id=partner_id, order_id=order.pk)
