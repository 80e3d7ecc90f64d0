"""Voucher stock Tessera holds itself: codes bought in bulk, sealed at rest, sold one per line.

Allocation happens when an order is created, inside that transaction: AVAILABLE codes of the
product are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (served by the partial index
``inventory_available``), so concurrent orders neither wait for each other nor share a code. Too
few codes and order creation fails with OUT_OF_STOCK, so nothing is created. From then on the stock
acts as the line's supplier (orders/stock_adapter.py): issuing hands the code over
(ALLOCATED -> DELIVERED) and a refund revokes it. Releasing a line (cancel, expiry, a failed
reservation) puts its code back in the same transaction (ALLOCATED -> AVAILABLE).

Locks: codes come after the order and its lines. Order creation claims codes of an order nobody
else can see yet, and SKIP LOCKED never waits; releasing locks codes only of PENDING orders' lines;
staff revoking a DELIVERED code then lock its order (to revoke the voucher), but a delivered code
belongs to an order that is no longer PENDING, so the two never wait on each other.

A code's secrets are sealed like a voucher's, under the newest key, and bound to their row by the
associated data ``inventory:<pk>:<field>`` (tessera.sealing.row_seal). Every status change of a
code bound to an order line writes one OrderEvent (subject ``stock_code``) on that order. Staff
changes to codes no order holds are recorded in the admin's history.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from orders.events import record
from orders.locks import lock_allocated_stock_codes, lock_stock_code, lock_stock_codes
from orders.models import OrderLine, Voucher
from orders.statuses import LineSubStatus
from suppliers.adapters.base import DeliveredItem
from suppliers.errors import OutOfStock, StockCodeUnavailable
from suppliers.models import CodeStatus, InventoryCode, Product, StockSource
from tessera import sealing
from tessera.actors import Actor
from tessera.event_types import transition_events
from tessera.reasons import MAX_REASON, required_reason

logger = logging.getLogger(__name__)

SEALED_FIELDS = ("code", "pin")
BINDING = "inventory"


# --- sealing --------------------------------------------------------------------------------


def code_seal(code: InventoryCode, field: str, value: str | None, *, key_id: str) -> None:
    """Seal ``value`` into a saved code's ``<field>_sealed`` under ``key_id``; the caller saves."""
    sealing.row_seal(code, field, value, binding=BINDING, key_id=key_id)


def code_secret(code: InventoryCode, field: str) -> str | None:
    """Open one sealed field. Only delivery calls this: the plaintext goes into the line's voucher."""
    return sealing.row_unseal(code, field, binding=BINDING)


def code_reseal(code: InventoryCode, *, key_id: str) -> None:
    """Seal a locked code's secrets again under ``key_id`` (a key rotation); the caller saves."""
    sealing.row_reseal(code, SEALED_FIELDS, binding=BINDING, key_id=key_id)


# --- reads ----------------------------------------------------------------------------------


def is_stock_product(product: Product) -> bool:
    return product.stock_source == StockSource.INVENTORY


def sellable_codes(product_id: int, now: datetime) -> QuerySet[InventoryCode]:
    """AVAILABLE codes of a product that have not expired, oldest first."""
    return (
        InventoryCode.objects.filter(product_id=product_id, status=CodeStatus.AVAILABLE)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .order_by("pk")
    )


def stock_products() -> QuerySet[Product]:
    """Stock products with ``available``: how many codes they can still sell (one query)."""
    now = timezone.now()
    sellable = Q(inventory_codes__status=CodeStatus.AVAILABLE) & (
        Q(inventory_codes__valid_until__isnull=True) | Q(inventory_codes__valid_until__gt=now)
    )
    return (
        Product.objects.filter(stock_source=StockSource.INVENTORY)
        .select_related("supplier")
        .annotate(available=Count("inventory_codes", filter=sellable))
    )


def low_stock_products() -> list[Product]:
    """Active stock products with fewer sellable codes than their ``low_stock_threshold``,
    emptiest first; each carries ``available``. For the admin dashboard."""
    return list(
        stock_products()
        .filter(is_active=True, available__lt=F("low_stock_threshold"))
        .order_by("available", "name")
    )


def held_code(line: OrderLine) -> InventoryCode | None:
    """The stock code bound to ``line``, if any."""
    return InventoryCode.objects.filter(line_id=line.pk).first()


def stock_reference(code: InventoryCode) -> str:
    """The reference a stock line carries as its reservation and booking reference."""
    return f"STK-{code.pk}"


def delivered_item(code: InventoryCode) -> DeliveredItem:
    """What the line receives from a delivered code (the plaintext travels only in memory)."""
    return DeliveredItem(
        kind="code",
        code=code_secret(code, "code"),
        pin=code_secret(code, "pin"),
        valid_until=code.valid_until,
    )


# --- order time: claiming codes ------------------------------------------------------------------


def stock_allocate(*, lines: Sequence[OrderLine], actor: Actor, at: datetime) -> list[InventoryCode]:
    """Bind one sellable code to each new line of a stock product, inside the order's transaction.

    Codes are claimed with SKIP LOCKED: a code another order is claiming right now is passed over,
    never waited for. Raises OutOfStock when a product has too few codes left; the caller's
    transaction then rolls back, so neither the order nor any claim remains.
    """
    wanted: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        if is_stock_product(line.product):
            wanted[line.product_id].append(line)
    claimed = []
    for product_id in sorted(wanted):
        product_lines = wanted[product_id]
        codes = list(sellable_codes(product_id, at).select_for_update(skip_locked=True)[: len(product_lines)])
        if len(codes) < len(product_lines):
            product = product_lines[0].product
            raise OutOfStock(
                f"Not enough codes in stock for {product.name}: {len(product_lines)} wanted.",
                product_id=product_id,
                wanted=len(product_lines),
            )
        for line, code in zip(product_lines, codes, strict=True):
            _transition(code, "allocate", actor=actor, order_id=line.order_id, line=line, at=at)
            line.sub_status = LineSubStatus.STOCK_ALLOCATED
        OrderLine.objects.filter(pk__in=[line.pk for line in product_lines]).update(
            sub_status=LineSubStatus.STOCK_ALLOCATED
        )
        claimed += codes
    return claimed


# --- the stock as a supplier: deliver, release, revoke on refund -------------------------------


def stock_deliver(*, line: OrderLine, actor: Actor) -> InventoryCode:
    """Hand the line's code over (ALLOCATED -> DELIVERED). Already delivered to it: no change."""
    with transaction.atomic():
        code = _lock_code_of(line)
        if code.status == CodeStatus.ALLOCATED:
            _transition(code, "deliver", actor=actor, order_id=line.order_id, at=timezone.now())
        elif code.status != CodeStatus.DELIVERED:
            raise StockCodeUnavailable(f"The line's stock code is {code.status}.", code_id=code.pk)
        return code


def stock_release(*, line: OrderLine, actor: Actor) -> InventoryCode | None:
    """Put the line's code back in stock (ALLOCATED -> AVAILABLE); None if it holds none (any more)."""
    with transaction.atomic():
        code = lock_stock_code(line)
        if code is None:
            return None
        if code.status != CodeStatus.ALLOCATED:
            raise StockCodeUnavailable(
                f"The line's stock code is {code.status}; only an allocated code goes back to stock.",
                code_id=code.pk,
            )
        _transition(code, "release", actor=actor, order_id=line.order_id)
        return code


def stock_release_lines(*, lines: Sequence[OrderLine], actor: Actor) -> list[InventoryCode]:
    """Put the allocated codes of lines just released back in stock, in the caller's transaction
    (which holds the order's and the lines' locks). The stock's ``cancel`` then finds nothing left
    to do."""
    order_of = {line.pk: line.order_id for line in lines if is_stock_product(line.product)}
    if not order_of:
        return []
    codes = lock_allocated_stock_codes(order_of)
    for code in codes:
        _transition(code, "release", actor=actor, order_id=order_of[code.line_id])
    return codes


def stock_revoke_refunded(*, line: OrderLine, actor: Actor) -> InventoryCode:
    """A delivered code whose line is refunded is void: DELIVERED -> REVOKED (repeat: no change)."""
    with transaction.atomic():
        code = _lock_code_of(line)
        if code.status == CodeStatus.DELIVERED:
            _transition(
                code, "revoke", actor=actor, order_id=line.order_id, payload={"reason": "line refunded"}
            )
        elif code.status != CodeStatus.REVOKED:
            raise StockCodeUnavailable(
                f"The line's stock code is {code.status}, not delivered.", code_id=code.pk
            )
        return code


def _lock_code_of(line: OrderLine) -> InventoryCode:
    code = lock_stock_code(line)
    if code is None:
        raise StockCodeUnavailable("No stock code is held for this line.", line_id=line.pk)
    return code


# --- staff: block, unblock, revoke ------------------------------------------------------------


def stock_codes_block(*, code_ids: Iterable[int], actor: Actor) -> list[InventoryCode]:
    """Take AVAILABLE codes out of sale (e.g. a batch the vendor is checking). Returns those changed."""
    return _staff_change(code_ids, "block", {CodeStatus.AVAILABLE}, actor=actor)


def stock_codes_unblock(*, code_ids: Iterable[int], actor: Actor) -> list[InventoryCode]:
    """Put BLOCKED codes back on sale. Returns those changed."""
    return _staff_change(code_ids, "unblock", {CodeStatus.BLOCKED}, actor=actor)


def stock_codes_revoke(*, code_ids: Iterable[int], reason: str, actor: Actor) -> list[InventoryCode]:
    """Void codes for good (the vendor cancelled them, or they leaked). A delivered code's voucher
    is revoked with it, so it is never revealed or honoured again. Returns the codes changed."""
    reason = required_reason(reason, missing="Say why the codes are revoked.")
    revocable = {CodeStatus.AVAILABLE, CodeStatus.BLOCKED, CodeStatus.DELIVERED}
    with transaction.atomic():
        changed = _staff_change(code_ids, "revoke", revocable, actor=actor, payload={"reason": reason})
        delivered_lines = [code.line_id for code in changed if code.line_id]
        if delivered_lines:
            from orders.services.revocation import voucher_revoke

            for voucher_id in Voucher.objects.filter(line_id__in=delivered_lines).values_list(
                "pk", flat=True
            ):
                voucher_revoke(
                    voucher_id=voucher_id, reason=f"stock code revoked: {reason}"[:MAX_REASON], actor=actor
                )
    return changed


def _staff_change(
    code_ids: Iterable[int], name: str, sources: set[str], *, actor: Actor, payload: dict | None = None
) -> list[InventoryCode]:
    with transaction.atomic():
        codes = lock_stock_codes(code_ids, statuses=sources)
        changed = []
        for code in codes:
            order_id = code.line.order_id if code.line_id else None
            _transition(code, name, actor=actor, order_id=order_id, payload=payload)
            changed.append(code)
        return changed


# --- the one way a code's status changes --------------------------------------------------------


def _transition(
    code: InventoryCode, name: str, *, actor: Actor, order_id, payload: dict | None = None, **kwargs
) -> None:
    """Run transition ``name`` on a locked code, save it, and audit it on the order holding it.

    orders.events.apply_transition cannot serve: a code belongs to no order until it is allocated.
    """
    from_status = code.status
    getattr(code, name)(**kwargs)
    code.save()
    if order_id is not None:
        record(
            order_id=order_id,
            subject_id=code.pk,
            event=transition_events(InventoryCode)[name],
            actor=actor,
            from_status=from_status,
            to_status=code.status,
            payload=payload,
        )
    logger.info("stock code %s: %s -> %s (%s)", code.pk, from_status, code.status, name)
