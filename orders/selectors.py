"""Reads of orders, always scoped to one partner and prefetched for constant query counts."""

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderEvent, OrderLine, Traveller, Voucher
from tessera.prefetched import hold_prefetched


def orders_of(partner_id: int) -> QuerySet[Order]:
    return Order.objects.filter(partner_id=partner_id)


DETAILS = ("lines", "travellers", "payments", "refunds")


def hold_new_order_details(order: Order, *, lines: list[OrderLine], travellers: list[Traveller]) -> None:
    """Keep the rows of an order just created on it, as ``with_details`` would have read them, so
    that its API answer needs no query: its lines (each holding its product, supplier and offer;
    no voucher yet) and travellers; no payments, refunds or checkout yet (partner_api.selectors
    reads the details of an order that holds none)."""
    for line in lines:
        OrderLine.voucher.related.set_cached_value(line, None)
    for name, rows in zip(DETAILS, (lines, travellers, [], []), strict=True):
        hold_prefetched(order, name, rows)
    Order.checkout.related.set_cached_value(order, None)


def events_of(*, partner_id: int, order_id) -> QuerySet[OrderEvent] | None:
    if not orders_of(partner_id).filter(pk=order_id).exists():
        return None
    return OrderEvent.objects.filter(order_id=order_id).order_by("created_at", "id")


def order_tickets_for_partner(*, partner_id: int, order_id) -> Order | None:
    """The order with its lines, their travellers and vouchers: what its ticket document prints."""
    lines = OrderLine.objects.select_related("traveller", "voucher", "product").order_by("position")
    queryset = orders_of(partner_id).prefetch_related(Prefetch("lines", queryset=lines))
    return queryset.filter(pk=order_id).first()


def lines_of_orders(orders, statuses) -> list[OrderLine]:
    """The lines of ``orders`` in ``statuses``, with their order, by order reference and position."""
    return list(
        OrderLine.objects.filter(order__in=orders, status__in=statuses)
        .select_related("order")
        .order_by("order__reference", "position")
    )


def vouchers_of_order(order: Order) -> QuerySet[Voucher]:
    """An order's vouchers with their lines, in line order (the order's back-office page)."""
    return Voucher.objects.filter(line__order=order).select_related("line").order_by("line__position")
