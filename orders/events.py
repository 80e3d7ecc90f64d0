"""The audit trail: the one way a status changes, and the events it leaves.

``apply_transition`` calls a django-fsm transition on a row the caller has locked, saves the row
and writes exactly one OrderEvent (from, to, event type, actor, correlation id, payload). Every
service changes a status through it, so no transition goes unrecorded. Inside ``batched()`` the
events of a transaction are written together, in one INSERT, when the block ends.

Every other audited action of orders, lines and vouchers has a function of its own below
(``order_created``, ``voucher_revealed``, ...), named after its type in tessera.event_types;
payments' are in payments/events.py.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderLine, OrderVersion, Traveller, Voucher
from orders.signals import event_recorded, events_written
from tessera import correlation
from tessera.actors import WORKER, Actor
from tessera.event_types import EventType, transition_events
from tessera.times import iso_utc


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
            events_written.send(sender=OrderEvent, events=batch.events)
        untouched = batch.touched - batch.saved
        if untouched:
            _touch(untouched)
    finally:
        _batch.reset(token)


def recorded_in_batch(order_id, types: frozenset[EventType]) -> bool:
    """Whether the batched() block under way recorded an event of ``types`` for the order."""
    batch = _batch.get()
    return batch is not None and any(
        event.order_id == order_id and event.transition in types for event in batch.events
    )


def _touch(order_ids) -> None:
    """The order changes when any part of it does (partners sync on its updatedAt)."""
    Order.objects.filter(pk__in=list(order_ids)).update(updated_at=timezone.now())


def record(
    *,
    order_id,
    subject_id: Any,
    event: EventType,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    payload: dict | None = None,
) -> OrderEvent:
    """Write one audit event (or add it to the batch). Call sites use the named functions below,
    or their app's events.py, rather than this."""
    audit_event = unsaved_event(
        order_id=order_id,
        subject_id=subject_id,
        event=event,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
    )
    batch = _batch.get()
    if batch is None:
        audit_event.save(force_insert=True)
        events_written.send(sender=OrderEvent, events=[audit_event])
    else:
        batch.events.append(audit_event)
    event_recorded.send(sender=OrderEvent, event=audit_event)
    return audit_event


def unsaved_event(
    *,
    order_id,
    subject_id: Any,
    event: EventType,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    payload: dict | None = None,
) -> OrderEvent:
    """An audit event not yet written, for callers that write many at once (bulk_create)."""
    event = EventType(event)
    return OrderEvent(
        order_id=order_id,
        subject_type=event.subject,
        subject_id=str(subject_id),
        transition=event,
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
    instance: models.Model, name: str, *, actor: Actor, payload: dict | None = None, **kwargs: Any
) -> OrderEvent:
    """Run transition ``name`` on a locked ``instance``, save it, and audit it with the event
    type its ``@transition`` names (tessera.event_types.transition_events).

    A line, payment or refund moves its order's ``updated_at`` too: at once, or once for the
    whole block inside ``batched()`` (not at all when the block saves the order itself).
    """
    from_status = _run_transition(instance, name, **kwargs)
    instance.save()
    return _audit_transition(instance, name, from_status, actor=actor, payload=payload)


def apply_transition_before_insert(
    instance: models.Model, name: str, *, actor: Actor, payload: dict | None = None, **kwargs: Any
) -> OrderEvent:
    """``apply_transition`` for a row not written yet: its caller inserts it once, in its final
    state, in this transaction (``save(force_insert=True)``), after the transitions it makes at
    once (a payment collected from a wallet is CREATED, started and captured in one go).

    This relies on django-fsm-2 (4.x) changing the state of a ``@transition`` in memory only
    (``FSMFieldMixin.change_state`` sets the field on the instance and never saves), on an
    instance Django has not inserted yet, with ``protected=True`` fields too.
    tests/test_upstream_contracts.py checks that, so an upgrade that starts saving (or refuses
    unsaved instances) fails a test rather than writing a row twice.
    """
    from_status = _run_transition(instance, name, **kwargs)
    return _audit_transition(instance, name, from_status, actor=actor, payload=payload)


def _run_transition(instance: models.Model, name: str, **kwargs: Any) -> str:
    from_status = instance.status
    getattr(instance, name)(**kwargs)
    return from_status


def _audit_transition(
    instance: models.Model, name: str, from_status: str, *, actor: Actor, payload: dict | None
) -> OrderEvent:
    batch = _batch.get()
    if isinstance(instance, Order):
        if batch is not None:
            batch.saved.add(instance.pk)
    elif batch is not None:
        batch.touched.add(_order_id_of(instance))
    else:
        _touch([_order_id_of(instance)])
    return record(
        order_id=_order_id_of(instance),
        subject_id=instance.pk,
        event=transition_events(type(instance))[name],
        actor=actor,
        from_status=from_status,
        to_status=instance.status,
        payload=payload,
    )


# --- events that are not transitions, one function each -----------------------------------------


def order_created(order: Order, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(
        order_id=order.pk,
        subject_id=order.pk,
        event=EventType.ORDER_CREATED,
        actor=actor,
        to_status=order.status,
        payload=payload,
    )


def order_reserved(order: Order) -> OrderEvent:
    """Every line of a PENDING order is reserved: the order can be finalized."""
    return record(
        order_id=order.pk,
        subject_id=order.pk,
        event=EventType.ORDER_RESERVED,
        actor=WORKER,
        to_status=order.status,
    )


def order_details_updated(order: Order, *, actor: Actor, fields: list[str]) -> OrderEvent:
    payload = {"fields": fields, "version": order.version}
    return _of_order(order, EventType.ORDER_DETAILS_UPDATED, actor=actor, payload=payload)


def order_travellers_replaced(order: Order, *, actor: Actor, travellers: int) -> OrderEvent:
    payload = {"travellers": travellers, "version": order.version}
    return _of_order(order, EventType.ORDER_TRAVELLERS_REPLACED, actor=actor, payload=payload)


def order_expiry_changed(order: Order, *, actor: Actor, previous) -> OrderEvent:
    payload = {"from": iso_utc(previous), "to": iso_utc(order.expires_at), "version": order.version}
    return _of_order(order, EventType.ORDER_EXPIRY_CHANGED, actor=actor, payload=payload)


def order_confirmation_resent(order: Order, *, actor: Actor, channel: str) -> OrderEvent:
    return _of_order(order, EventType.ORDER_CONFIRMATION_RESENT, actor=actor, payload={"channel": channel})


def order_tickets_resent(order: Order, *, actor: Actor, tickets: int) -> OrderEvent:
    return _of_order(
        order, EventType.ORDER_TICKETS_RESENT, actor=actor, payload={"channel": "email", "tickets": tickets}
    )


def order_status_link_shown(order: Order, *, actor: Actor) -> OrderEvent:
    return _of_order(order, EventType.ORDER_STATUS_LINK_SHOWN, actor=actor, payload={"channel": "admin"})


def amendment_opened(version: OrderVersion, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(
        order_id=version.order_id,
        subject_id=version.pk,
        event=EventType.AMENDMENT_OPENED,
        actor=actor,
        to_status=version.status,
        payload=payload,
    )


def amendment_expiry_changed(version: OrderVersion, *, actor: Actor, previous) -> OrderEvent:
    return record(
        order_id=version.order_id,
        subject_id=version.pk,
        event=EventType.AMENDMENT_EXPIRY_CHANGED,
        actor=actor,
        payload={"version": version.number, "from": iso_utc(previous), "to": iso_utc(version.expires_at)},
    )


def amendment_line_failed(
    version: OrderVersion, line: OrderLine, *, actor: Actor, payload: dict
) -> OrderEvent:
    """A draft's new line its supplier could not confirm left the draft (seed 002's fail)."""
    return record(
        order_id=version.order_id,
        subject_id=version.pk,
        event=EventType.AMENDMENT_LINE_FAILED,
        actor=actor,
        payload={"line": line.position, **payload},
    )


def traveller_changed(traveller: Traveller, *, actor: Actor, payload: dict) -> OrderEvent:
    """A confirmed amendment corrected a traveller's details: ``traveller`` is the new row."""
    return record(
        order_id=traveller.order_id,
        subject_id=traveller.pk,
        event=EventType.TRAVELLER_CHANGED,
        actor=actor,
        payload=payload,
    )


def line_added(line: OrderLine, *, actor: Actor, version: int) -> OrderEvent:
    """A confirmed amendment added the line to the order (it is issuing); an exchange's new line
    names the line it replaces."""
    payload = {"version": version, **({"replaces": line.replaces_id} if line.replaces_id else {})}
    return _of_line(line, EventType.LINE_ADDED, actor=actor, payload=payload)


def line_return_confirmed(line: OrderLine, *, reference: str) -> OrderEvent:
    """The supplier took back a line an amendment removed."""
    return _of_line(line, EventType.LINE_RETURN_CONFIRMED, actor=WORKER, payload={"reference": reference})


def line_return_refused(line: OrderLine, *, code: str, reason: str) -> OrderEvent:
    payload = {"code": code, "reason": reason}
    return _of_line(line, EventType.LINE_RETURN_REFUSED, actor=WORKER, payload=payload)


def line_exchange_confirmed(line: OrderLine, *, replaced_by: OrderLine, booking_ref: str) -> OrderEvent:
    """The supplier issued ``replaced_by`` through its change call and cancelled ``line`` itself:
    the exchanged-away line is not returned separately (orders.services.amendment_returns)."""
    payload = {"replacedBy": replaced_by.position, "bookingReference": booking_ref}
    return _of_line(line, EventType.LINE_EXCHANGE_CONFIRMED, actor=WORKER, payload=payload)


def line_issuance_accepted(line: OrderLine, *, booking_ref: str) -> OrderEvent:
    """The supplier took the issue call and will deliver later (the line stays ISSUING)."""
    payload = {"bookingReference": booking_ref, "delivery": "delayed"}
    return _of_line(line, EventType.LINE_ISSUANCE_ACCEPTED, actor=WORKER, payload=payload)


def line_release_refused(line: OrderLine, *, code: str, reason: str) -> OrderEvent:
    payload = {"code": code, "reason": reason}
    return _of_line(line, EventType.LINE_RELEASE_REFUSED, actor=WORKER, payload=payload)


def line_release_confirmed(line: OrderLine) -> OrderEvent:
    return _of_line(line, EventType.LINE_RELEASE_CONFIRMED, actor=WORKER)


def line_retry_scheduled(
    line: OrderLine, *, attempt: int, code: str, reason: str, next_attempt_at
) -> OrderEvent:
    payload = {
        "attempt": attempt,
        "code": code,
        "reason": reason,
        "nextAttemptAt": iso_utc(next_attempt_at),
    }
    return _of_line(line, EventType.LINE_RETRY_SCHEDULED, actor=WORKER, payload=payload)


def line_retry_requested(line: OrderLine, *, actor: Actor) -> OrderEvent:
    return _of_line(line, EventType.LINE_RETRY_REQUESTED, actor=actor, payload={"status": line.status})


def line_reconcile_requested(line: OrderLine, *, actor: Actor) -> OrderEvent:
    return _of_line(line, EventType.LINE_RECONCILE_REQUESTED, actor=actor)


def voucher_delivered(voucher: Voucher) -> OrderEvent:
    """The supplier delivered the line's voucher; the event never holds its code."""
    payload = {"line": voucher.line.position, "kind": voucher.kind, "deliveryMode": voucher.delivery_mode}
    return _of_voucher(voucher, EventType.VOUCHER_DELIVERED, actor=WORKER, payload=payload)


def voucher_revealed(voucher: Voucher, *, actor: Actor, channel: str, fields) -> OrderEvent:
    """Not written: the caller writes a reveal's events together (bulk_create)."""
    return unsaved_event(
        order_id=voucher.line.order_id,
        subject_id=voucher.pk,
        event=EventType.VOUCHER_REVEALED,
        actor=actor,
        payload={"line": voucher.line.position, "channel": channel, "fields": list(fields)},
    )


def voucher_reveal_refused(voucher: Voucher, *, actor: Actor, channel: str, reason: str) -> OrderEvent:
    payload = {"line": voucher.line.position, "channel": channel, "reason": reason}
    return _of_voucher(voucher, EventType.VOUCHER_REVEAL_REFUSED, actor=actor, payload=payload)


def voucher_checked(voucher: Voucher, *, actor: Actor, result: str) -> OrderEvent:
    """A ticket's signed code was checked (at a gate, by a scanner)."""
    payload = {"line": voucher.line.position, "result": result}
    return _of_voucher(voucher, EventType.VOUCHER_CHECKED, actor=actor, payload=payload)


def _of_order(order: Order, event: EventType, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(order_id=order.pk, subject_id=order.pk, event=event, actor=actor, payload=payload)


def _of_line(line: OrderLine, event: EventType, *, actor: Actor, payload: dict | None = None) -> OrderEvent:
    return record(order_id=line.order_id, subject_id=line.pk, event=event, actor=actor, payload=payload)


def _of_voucher(voucher: Voucher, event: EventType, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(
        order_id=voucher.line.order_id, subject_id=voucher.pk, event=event, actor=actor, payload=payload
    )
