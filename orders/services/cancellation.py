"""Ending a PENDING order early: cancel (asked for) or expire (time ran out).

Both release every reservation: the lines become RELEASED at once and the supplier is told in
the background (``release_line``), so a slow supplier never holds up the caller. An unpaid
gateway payment ends with its order (payments receives orders.signals.order_ended_unpaid), and its
provider session is canceled after commit.
"""

from django.db import transaction
from django.utils import timezone

from orders import queue
from orders.events import apply_transition
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine
from orders.signals import order_ended_unpaid
from orders.statuses import LinePhase, LineStatus, OrderStatus
from orders.stock import stock_release_lines
from tessera.actors import SYSTEM, Actor
from tessera.errors import InvalidState
from tessera.times import iso_utc

RELEASABLE = {LineStatus.RESERVING, LineStatus.RESERVED, LineStatus.UNKNOWN}
EXPIRY_BATCH = 500


def release_lines(lines: list[OrderLine], *, actor: Actor) -> list[OrderLine]:
    """Release every releasable line of a locked order and queue the supplier cancellations.

    Codes from Tessera's own stock go back at once, in this transaction, so they can be sold
    again before any worker runs.
    """
    released = [line for line in lines if line.status in RELEASABLE and line.phase == LinePhase.RESERVE]
    for line in released:
        apply_transition(line, "release", actor=actor)
    stock_release_lines(lines=released, actor=actor)
    queue.release(line.pk for line in released)
    return released


def order_cancel(*, order_id, actor: Actor, partner_id: int | None = None, reason: str = "") -> Order:
    with transaction.atomic():
        order = lock_order(order_id, partner_id=partner_id)
        if order.status != OrderStatus.PENDING:
            raise InvalidState(
                f"Order {order.reference} is {order.status}; only PENDING orders can be canceled.",
                status=order.status,
            )
        lines = lock_lines(order)
        apply_transition(order, "cancel", actor=actor, payload={"reason": reason[:255]})
        release_lines(lines, actor=actor)
        order_ended_unpaid.send(sender=Order, order=order, actor=actor, reason="order canceled")
        return order


def order_expire(*, order_id, actor: Actor = SYSTEM) -> bool:
    """Expire one order if it is still PENDING and past ``expires_at``; True if it did."""
    with transaction.atomic():
        order = lock_order(order_id)
        if order.status != OrderStatus.PENDING or order.expires_at > timezone.now():
            return False
        lines = lock_lines(order)
        apply_transition(order, "expire", actor=actor, payload={"expiresAt": iso_utc(order.expires_at)})
        release_lines(lines, actor=actor)
        order_ended_unpaid.send(sender=Order, order=order, actor=actor, reason="order expired")
        return True


def orders_expire_due(*, limit: int = EXPIRY_BATCH) -> int:
    """Expire PENDING orders whose time has passed (the periodic sweep). Returns how many."""
    due = list(
        Order.objects.filter(status=OrderStatus.PENDING, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(order_expire(order_id=order_id) for order_id in due)
