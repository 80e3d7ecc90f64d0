"""The audit trail: the one way a status changes, and the events it leaves.

``apply_transition`` calls a django-fsm transition on a row the caller has locked, saves the row
and writes exactly one OrderEvent (from, to, transition, actor, correlation id, payload). Every
service changes a status through it, so no transition goes unrecorded. Inside ``batched()`` the
events of a transaction are written together, in one INSERT, when the block ends.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone

from orders.models import Order, OrderEvent, Voucher
from orders.signals import event_recorded
from tessera import correlation
from tessera.actors import Actor

_SUBJECT_TYPES = {
    "Order": "order",
    "OrderLine": "line",
    "Payment": "payment",
    "Refund": "refund",
    "Voucher": "voucher",
}


def _order_id_of(instance: models.Model):
    if isinstance(instance, Order):
        return instance.pk
    if isinstance(instance, Voucher):
        return instance.line.order_id
    return instance.order_id


@dataclass
class _Batch:
    events: list[OrderEvent] = field(default_factory=list)
    touched: set = field(default_factory=set)  # orders whose parts changed
    saved: set = field(default_factory=set)  # orders saved themselves (updated_at moved)


_batch: ContextVar[_Batch | None] = ContextVar("order_events_batch", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Write the events recorded inside the block in one INSERT as it ends, in the order recorded,
    and move ``updated_at`` of each order whose parts changed once, unless the order was saved.

    For services that make several transitions in one transaction (finalizing makes five; the
    worker's last issue moves a line and then its order). The block sits inside the transaction,
    so the events commit with the changes they describe; an exception leaves the block without
    writing them, and the transaction rolls back. A batch inside a batch joins it.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("batched() belongs inside transaction.atomic()")
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
        if batch.events:
            OrderEvent.objects.bulk_create(batch.events)
        untouched = batch.touched - batch.saved
        if untouched:
            _touch(untouched)
    finally:
        _batch.reset(token)


def _touch(order_ids) -> None:
    """The order changes when any part of it does (partners sync on its updatedAt)."""
    Order.objects.filter(pk__in=list(order_ids)).update(updated_at=timezone.now())


def record(
    *,
    order_id,
    subject_type: str,
    subject_id: Any,
    name: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    payload: dict | None = None,
) -> OrderEvent:
    event = unsaved_event(
        order_id=order_id,
        subject_type=subject_type,
        subject_id=subject_id,
        name=name,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
    )
    batch = _batch.get()
    if batch is None:
        event.save(force_insert=True)
    else:
        batch.events.append(event)
    event_recorded.send(sender=OrderEvent, event=event)
    return event


def unsaved_event(
    *,
    order_id,
    subject_type: str,
    subject_id: Any,
    name: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    payload: dict | None = None,
) -> OrderEvent:
    """An audit event not yet written, for callers that write many at once (bulk_create)."""
    return OrderEvent(
        order_id=order_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        transition=name,
        from_status=from_status,
        to_status=to_status,
        actor_kind=actor.kind,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        actor_partner_id=actor.partner_id,
        correlation_id=correlation.current(),
        payload=payload or {},
    )


def apply_transition(
    instance: models.Model,
    name: str,
    *,
    actor: Actor,
    payload: dict | None = None,
    touch_order: bool = True,
    save: bool = True,
    **kwargs: Any,
) -> OrderEvent:
    """Run transition ``name`` on a locked ``instance``, save it, and audit it.

    A line, payment or refund moves its order's ``updated_at`` too; ``touch_order=False`` skips
    that when the caller saves the order itself in the same transaction. ``save=False`` is for a
    row not written yet, which its caller inserts once, in its final state, in this transaction.
    """
    from_status = instance.status
    getattr(instance, name)(**kwargs)
    if save:
        instance.save()
    batch = _batch.get()
    if isinstance(instance, Order):
        if batch is not None:
            batch.saved.add(instance.pk)
    elif touch_order and batch is not None:
        batch.touched.add(_order_id_of(instance))
    elif touch_order:
        _touch([_order_id_of(instance)])
    return record(
        order_id=_order_id_of(instance),
        subject_type=_SUBJECT_TYPES[type(instance).__name__],
        subject_id=instance.pk,
        name=name,
        actor=actor,
        from_status=from_status,
        to_status=instance.status,
        payload=payload,
    )
