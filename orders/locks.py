"""Row locks, always taken in one order so that two services never deadlock.

The order of locking is: Order, then its OrderLines by primary key, then Offers by primary key,
then Wallet, then Payment/Refund. Every querySet here is ordered by ``pk`` before
``select_for_update()``.
"""

from orders.errors import OrderNotFound
from orders.models import Order, OrderLine


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
