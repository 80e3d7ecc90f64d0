"""Refunds: money going back for lines, the way it came."""

from decimal import Decimal

from django.db.models import Sum

from orders.events import apply_transition, record
from orders.models import Order, OrderLine
from orders.statuses import BillingMode
from payments.models import LedgerKind, Payment, PaymentStatus, Refund, RefundLine, RefundReason, RefundStatus
from payments.services.wallets import wallet_book
from tessera.actors import Actor
from tessera.money import ZERO, format_amount, quantize


def refund_undelivered(*, order: Order, lines: list[OrderLine], actor: Actor) -> Refund | None:
    """Return the money for lines a supplier failed to deliver; the caller holds the order lock.

    The amount is capped by what was paid minus what was already refunded. Wallet money goes back
    to the wallet at once; invoiced orders are simply not billed for it.
    """
    # The order's lock, held by the caller, serializes every change to the order's payments.
    payment = Payment.objects.filter(
        order=order, status__in=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED]
    ).first()
    if payment is None or not lines:
        return None
    key = f"order:{order.pk}:undelivered"
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    wanted = quantize(sum((line.amount for line in lines), ZERO), order.currency)
    amount = min(wanted, refundable_amount(payment))
    if amount <= 0:
        return None
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        reason=RefundReason.NOT_DELIVERED,
        amount=amount,
        currency=order.currency,
        idempotency_key=key,
        note="Not delivered by the supplier; returned automatically.",
    )
    RefundLine.objects.bulk_create(RefundLine(refund=refund, line=line, amount=line.amount) for line in lines)
    record(
        order_id=order.pk,
        subject_type="refund",
        subject_id=refund.pk,
        name="create",
        actor=actor,
        to_status=refund.status,
        payload={"amount": format_amount(amount, refund.currency), "lines": [line.pk for line in lines]},
    )
    apply_transition(refund, "process", actor=actor)
    if payment.method == BillingMode.WALLET:
        wallet_book(
            kind=LedgerKind.CREDIT,
            partner_id=order.partner_id,
            currency=order.currency,
            amount=amount,
            reference=f"refund:{refund.pk}",
            actor=actor,
            order=order,
            memo=f"Undelivered items of order {order.reference}",
        )
    apply_transition(refund, "succeed", actor=actor)
    fully = refundable_amount(payment) <= 0
    apply_transition(payment, "refund_fully" if fully else "refund_partially", actor=actor)
    return refund


def refundable_amount(payment: Payment) -> Decimal:
    """What may still be refunded on a payment: paid minus refunds succeeded or under way."""
    refunded = (
        payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"] or ZERO
    )
    return payment.amount - refunded


# Interfaces the gateway helper calls; the refunds helper replaces these bodies.
def refund_payment_in_full(*, order: Order, payment: Payment, reason: str, actor: Actor) -> Refund | None:
    raise NotImplementedError


def refund_settle(*, refund_id, state: str, reason: str = "", actor: Actor) -> Refund:
    raise NotImplementedError


def refund_request(
    *,
    order_id,
    line_ids: list[int] | None,
    reason: str,
    note: str,
    actor: Actor,
    idempotency_key: str,
    partner_id: int | None = None,
) -> Refund:
    raise NotImplementedError
