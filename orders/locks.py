"""Row locks, always taken in one order so that two services never deadlock.

The order of locking is: Order, then its OrderLines by primary key, then their Vouchers by
primary key, then Offers by primary key, then Wallet, then Payment/Refund. Every querySet here is
ordered by ``pk`` before ``select_for_update()``.
"""

from collections.abc import Iterable

from orders.errors import OrderNotFound
from orders.models import Order, OrderLine, Voucher


def lock_order(order_id, *, partner_id: int | None = None) -> Order:
    queryset = Order.objects.select_for_update(of=("self",)).select_related("partner").filter(pk=order_id)
    if partner_id is not None:
        queryset = queryset.filter(partner_id=partner_id)
    order = queryset.first()
    if order is None:
        raise OrderNotFound("No such order.", order_id=str(order_id))
    return order


def lock_lines(order: Order) -> list[OrderLine]:
    return list(
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("product", "supplier")
        .filter(order_id=order.pk)
        .order_by("pk")
    )


def lock_vouchers(lines: Iterable[OrderLine]) -> list[Voucher]:
    """The vouchers of locked lines (each line has at most one), with their line attached."""
    by_line = {line.pk: line for line in lines}
    vouchers = list(
        Voucher.objects.select_for_update(of=("self",)).filter(line_id__in=list(by_line)).order_by("pk")
    )
    for voucher in vouchers:
        voucher.line = by_line[voucher.line_id]
    return vouchers
