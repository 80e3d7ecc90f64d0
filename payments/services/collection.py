"""Taking payment when a PENDING order is finalized by wallet or invoice."""

from django.utils import timezone

from orders.events import apply_transition_before_insert
from orders.models import Order
from orders.statuses import BillingMode
from payments.models import LedgerKind, Payment
from payments.services.creation import payment_prepare
from payments.services.holds import hold_capture
from payments.services.invoicing import invoice_accrue
from payments.services.wallets import wallet_book
from tessera.actors import Actor

PROVIDER_FOR_METHOD = {BillingMode.WALLET: "wallet", BillingMode.INVOICE: "invoice"}


def payment_collect(*, order: Order, method: str, actor: Actor) -> Payment:
    """Take payment for a locked PENDING order being finalized (wallet debit or invoice accrual).

    Runs inside the caller's transaction, so an insufficient balance undoes the finalization; the
    caller's batch (orders.events.batched) saves the order in it too, so the payment's transitions
    move the order's updatedAt no further. The payment goes from CREATED to PAID in this one
    transaction, so its row is written once, PAID, after its three events (create, start,
    capture) are recorded.
    """
    payment = payment_prepare(
        order=order,
        method=method,
        provider=PROVIDER_FOR_METHOD[method],
        idempotency_key=f"order:{order.pk}:payment",
        actor=actor,
    )
    apply_transition_before_insert(payment, "start", actor=actor)
    if method == BillingMode.WALLET and payment.amount > 0 and order.payment_method == BillingMode.WALLET:
        # An instant order chose the wallet at creation and holds its total: the hold pays.
        entry = hold_capture(order=order, actor=actor)
        payment.provider_reference = f"ledger:{entry.pk}"
    elif method == BillingMode.WALLET and payment.amount > 0:
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
    if method == BillingMode.INVOICE:
        item = invoice_accrue(order=order, actor=actor)
        payment.provider_reference = f"invoice-item:{item.pk}"
    apply_transition_before_insert(payment, "capture", actor=actor, at=timezone.now())
    payment.save(force_insert=True)
    return payment
