"""A payment comes to be: one CREATED Payment row for an order's total, and its "create" event.

Every way of paying starts here (wallet and invoice in ``collection``, the gateway in
``gateway``); what happens to the payment next is theirs.
"""

import uuid

from orders.models import Order, OrderVersion
from payments import events
from payments.models import Payment
from tessera.actors import Actor
from tessera.ids import time_ordered_uuid
from tessera.money import format_amount


def payment_create(
    *,
    order: Order,
    method: str,
    provider: str,
    idempotency_key: str,
    actor: Actor,
    payment_id: uuid.UUID | None = None,
    details: dict | None = None,
    amendment: OrderVersion | None = None,
) -> Payment:
    """Create the payment of a locked order's total, in the caller's transaction, and audit it.
    ``details`` are added to the event's payload (between the method and the amount). A payment
    for an ``amendment`` is of the amendment's balance instead."""
    payment = _payment_of(order, method, provider, idempotency_key, payment_id, amendment)
    payment.save(force_insert=True)
    _audit_created(payment, actor=actor, details=details)
    return payment


def payment_prepare(
    *,
    order: Order,
    method: str,
    provider: str,
    idempotency_key: str,
    actor: Actor,
    details: dict | None = None,
) -> Payment:
    """``payment_create`` without writing the row: the caller inserts it
    (``save(force_insert=True)``) in the same transaction, once, after the transitions it makes
    at once (``orders.events.apply_transition_before_insert``)."""
    payment = _payment_of(order, method, provider, idempotency_key, None, None)
    _audit_created(payment, actor=actor, details=details)
    return payment


def _payment_of(
    order: Order, method: str, provider: str, idempotency_key: str, payment_id, amendment
) -> Payment:
    return Payment(
        id=payment_id or time_ordered_uuid(),
        order=order,
        amendment=amendment,
        method=method,
        amount=order.total_amount if amendment is None else amendment.balance,
        currency=order.currency,
        provider=provider,
        idempotency_key=idempotency_key,
    )


def _audit_created(payment: Payment, *, actor: Actor, details: dict | None) -> None:
    events.payment_created(
        payment,
        actor=actor,
        payload={
            "method": payment.method,
            **(details or {}),
            "amount": format_amount(payment.amount, payment.currency),
        },
    )
