"""Use cases of the money side: wallets, collecting payment at finalize, automatic refunds."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from orders.events import apply_transition, record
from orders.models import Order, OrderLine
from orders.statuses import BillingMode
from payments import ledger
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundReason,
    RefundStatus,
    Wallet,
)
from tessera.actors import Actor
from tessera.money import ZERO, format_amount, quantize

PROVIDER_FOR_METHOD = {BillingMode.WALLET: "wallet", BillingMode.INVOICE: "invoice"}


def wallet_open(*, partner, currency: str) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(partner=partner, currency=currency)
    return wallet


def wallet_book(
    *,
    kind: LedgerKind,
    partner_id: int,
    currency: str,
    amount: Decimal,
    reference: str,
    actor: Actor,
    order: Order | None = None,
    memo: str = "",
) -> LedgerEntry:
    """Move money in or out of a partner's wallet: one immutable ledger entry, idempotent by
    ``reference``. A DEBIT larger than the balance raises InsufficientBalance and changes nothing;
    TOP_UP and CREDIT add money (a purchase of credits; money given back).
    """
    with transaction.atomic():
        wallet = ledger.lock_wallet(partner_id=partner_id, currency=currency)
        return ledger.book(
            wallet, kind=kind, amount=amount, reference=reference, actor=actor, order=order, memo=memo
        )


def wallet_top_up(
    *, partner_id: int, currency: str, amount: Decimal, reference: str, actor: Actor, memo: str = ""
) -> LedgerEntry:
    return wallet_book(
        kind=LedgerKind.TOP_UP,
        partner_id=partner_id,
        currency=currency,
        amount=amount,
        reference=reference,
        actor=actor,
        memo=memo,
    )


def wallet_ledger_total(wallet: Wallet) -> Decimal:
    """The balance as the ledger tells it; equals ``wallet.balance`` at all times."""
    return wallet.entries.aggregate(total=Sum("amount"))["total"] or ZERO


def payment_collect(*, order: Order, method: str, actor: Actor) -> Payment:
    """Take payment for a locked PENDING order being finalized (wallet debit or invoice accrual).

    Runs inside the caller's transaction, so an insufficient balance undoes the finalization; the
    caller saves the order in it too, so the payment's transitions need not touch the order.
    """
    payment = Payment.objects.create(
        order=order,
        method=method,
        amount=order.total_amount,
        currency=order.currency,
        provider=PROVIDER_FOR_METHOD[method],
        idempotency_key=f"order:{order.pk}:payment",
    )
    record(
        order_id=order.pk,
        subject_type="payment",
        subject_id=payment.pk,
        name="create",
        actor=actor,
        to_status=payment.status,
        payload={"method": method, "amount": format_amount(payment.amount, payment.currency)},
    )
    apply_transition(payment, "start", actor=actor, touch_order=False)
    if method == BillingMode.WALLET and payment.amount > 0:
        entry = wallet_book(
            kind=LedgerKind.DEBIT,
            partner_id=order.partner_id,
            currency=order.currency,
            amount=payment.amount,
            reference=f"order:{order.pk}:debit",
            actor=actor,
            order=order,
            memo=f"Order {order.reference}",
        )
        payment.provider_reference = f"ledger:{entry.pk}"
    apply_transition(payment, "capture", actor=actor, touch_order=False, at=timezone.now())
    return payment


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
    refund.lines.set(lines)
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
