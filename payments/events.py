"""The audited actions of money that are not transitions, one function each.

Transitions of payments and refunds are audited by orders.events.apply_transition with the event
type their ``@transition`` names; the names of these are in tessera.event_types.
"""

from orders.events import record
from orders.models import OrderEvent
from payments.models import Checkout, CreditNote, Invoice, Payment, Refund, WalletHold
from tessera.actors import WORKER, Actor
from tessera.event_types import EventType
from tessera.money import format_amount
from tessera.times import iso_utc_or_none


def payment_created(payment: Payment, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(
        order_id=payment.order_id,
        subject_id=payment.pk,
        event=EventType.PAYMENT_CREATED,
        actor=actor,
        to_status=payment.status,
        payload=payload,
    )


def wallet_hold_placed(hold: WalletHold, *, actor: Actor, available, currency: str) -> OrderEvent:
    """An instant order's total was set aside; ``available`` is what the wallet has left to spend."""
    payload = {
        "amount": format_amount(hold.amount, currency),
        "currency": currency,
        "available": format_amount(available, currency),
    }
    return record(
        order_id=hold.order_id,
        subject_id=hold.pk,
        event=EventType.WALLET_HOLD_PLACED,
        actor=actor,
        to_status=hold.status,
        payload=payload,
    )


def checkout_opened(checkout: Checkout, *, actor: Actor) -> OrderEvent:
    return _of_checkout(checkout, EventType.CHECKOUT_OPENED, actor=actor)


def checkout_updated(checkout: Checkout, *, actor: Actor) -> OrderEvent:
    """The checkout was opened again: only its return URL can change."""
    return _of_checkout(checkout, EventType.CHECKOUT_UPDATED, actor=actor)


def refund_requested(refund: Refund, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(
        order_id=refund.order_id,
        subject_id=refund.pk,
        event=EventType.REFUND_REQUESTED,
        actor=actor,
        to_status=refund.status,
        payload=payload,
    )


def refund_supplier_refunded(refund: Refund, *, payload: dict) -> OrderEvent:
    return _of_refund(refund, EventType.REFUND_SUPPLIER_REFUNDED, payload=payload)


def refund_supplier_retry_scheduled(
    refund: Refund, *, attempt: int, code: str, reason: str, next_attempt_at
) -> OrderEvent:
    """``next_attempt_at`` is None when the attempts ran out and the sweep will ask again."""
    payload = {
        "attempt": attempt,
        "code": code,
        "reason": reason,
        "nextAttemptAt": iso_utc_or_none(next_attempt_at),
    }
    return _of_refund(refund, EventType.REFUND_SUPPLIER_RETRY_SCHEDULED, payload=payload)


def refund_provider_accepted(refund: Refund, *, provider_reference: str, state: str) -> OrderEvent:
    payload = {"providerReference": provider_reference, "state": state}
    return _of_refund(refund, EventType.REFUND_PROVIDER_ACCEPTED, payload=payload)


def refund_provider_retry_scheduled(refund: Refund, *, attempt: int, code: str, reason: str) -> OrderEvent:
    payload = {"attempt": attempt, "code": code, "reason": reason}
    return _of_refund(refund, EventType.REFUND_PROVIDER_RETRY_SCHEDULED, payload=payload)


def invoice_accrued(invoice: Invoice, *, order_id, actor: Actor, payload: dict) -> OrderEvent:
    """An order's charge was added to its partner's invoice of the month."""
    return record(
        order_id=order_id,
        subject_id=invoice.pk,
        event=EventType.INVOICE_ACCRUED,
        actor=actor,
        to_status=invoice.status,
        payload=payload,
    )


def credit_note_issued(note: CreditNote, *, actor: Actor, payload: dict) -> OrderEvent:
    return record(
        order_id=note.order_id,
        subject_id=note.pk,
        event=EventType.CREDIT_NOTE_ISSUED,
        actor=actor,
        payload=payload,
    )


def _of_checkout(checkout: Checkout, event: EventType, *, actor: Actor) -> OrderEvent:
    payload = {"returnUrl": checkout.return_url}
    return record(
        order_id=checkout.order_id, subject_id=checkout.pk, event=event, actor=actor, payload=payload
    )


def _of_refund(refund: Refund, event: EventType, *, payload: dict) -> OrderEvent:
    return record(order_id=refund.order_id, subject_id=refund.pk, event=event, actor=WORKER, payload=payload)
