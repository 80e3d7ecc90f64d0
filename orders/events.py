"""The audit trail: the one way a status changes, and the events it leaves.

``apply_transition`` calls a django-fsm transition on a row the caller has locked, saves the row
and writes exactly one OrderEvent (from, to, transition, actor, correlation id, payload). Every
service changes a status through it, so no transition goes unrecorded.
"""

from typing import Any

from django.db import models
from django.utils import timezone

from orders.models import Order, OrderEvent, Voucher
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
    event.save(force_insert=True)
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
    **kwargs: Any,
) -> OrderEvent:
    """Run transition ``name`` on a locked ``instance``, save it, and audit it.

    A line, payment or refund moves its order's ``updated_at`` too; ``touch_order=False`` skips
    that when the caller saves the order itself in the same transaction.
    """
    from_status = instance.status
    getattr(instance, name)(**kwargs)
    instance.save()
    if touch_order and not isinstance(instance, Order):
        # The order changes when any part of it does (partners sync on its updatedAt).
        Order.objects.filter(pk=_order_id_of(instance)).update(updated_at=timezone.now())
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
