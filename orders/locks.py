"""Row locks, always taken in one order so that two services never deadlock.

The order of locking is: Order, then its OrderLines by primary key, then their Vouchers by
primary key, then their stock codes by primary key, then Offers by primary key, then Wallet, then
WalletHold, then Payment/Refund (payments/locks.py). A query that may lock several rows is
ordered by ``pk`` before ``select_for_update()``, so two transactions meet the rows in the same
order. Rows locked one at a time (an API key, an Idempotency-Key) are taken in no transaction
that holds any of the above. Two locking reads stay with their use case, both by primary key:
stock allocation claims free codes with SKIP LOCKED (orders.stock, it never waits), and key
rotation locks a sealed table's rows in batches (orders.services.key_rotation).
"""

from collections.abc import Iterable, Sequence
from uuid import UUID

from orders.errors import OrderNotFound
from orders.models import ApiKey, IdempotencyRecord, Order, OrderLine, Partner, Voucher
from suppliers.models import CodeStatus, InventoryCode, Offer


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


def lock_stock_code(line: OrderLine) -> InventoryCode | None:
    """The stock code a locked line holds (at most one), locked; None if it holds none."""
    return InventoryCode.objects.select_for_update().filter(line_id=line.pk).order_by("pk").first()


def lock_allocated_stock_codes(line_ids: Iterable[int]) -> list[InventoryCode]:
    """The ALLOCATED stock codes of locked lines, locked by primary key."""
    return list(
        InventoryCode.objects.select_for_update()
        .filter(line_id__in=list(line_ids), status=CodeStatus.ALLOCATED)
        .order_by("pk")
    )


def lock_stock_codes(code_ids: Iterable[int], *, statuses: Iterable[str]):
    """Stock codes by id, in one of ``statuses``, locked by primary key with their line (staff
    changes: a code bound to a line names its order in the event)."""
    return (
        InventoryCode.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(pk__in=list(code_ids), status__in=list(statuses))
        .order_by("pk")
    )


def lock_offers(*, partner: Partner, offer_ids: Sequence[UUID]) -> dict[UUID, Offer]:
    """The partner's offers among ``offer_ids``, locked by primary key, with product and supplier."""
    offers = (
        Offer.objects.select_for_update()
        .filter(pk__in=offer_ids, partner=partner)
        .select_related("product__supplier")
        .order_by("pk")
    )
    return {offer.pk: offer for offer in offers}


def lock_api_key(key_id: int) -> ApiKey:
    return ApiKey.objects.select_for_update().get(pk=key_id)


def lock_idempotency_record(*, partner: Partner, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.select_for_update().filter(partner=partner, key=key).first()
