"""The hosted-checkout payment of a gateway order's amendment whose balance is positive.

Confirming such a draft (payments.services.amendment_confirmation) does not make it current: it
asks here for a payment of the balance (``amendment_payment_request``) and answers with the
order's checkout page. The customer pays there (payments.services.gateway.payment_start, which
asks ``amendment_payment_for_customer`` first), and the provider's word that the payment is PAID
confirms the draft (amendment_confirmation.amendment_confirm_paid). A draft reset or expired
meanwhile ends its open payment (``amendment_payment_abandon``); if the customer paid all the
same, the payment is captured late and given back in full.

Every function here runs in its caller's transaction, on the order and its lines already locked.
"""

from django.conf import settings
from django.utils import timezone

from orders.errors import AmendmentExpired, BillingModeNotAllowed
from orders.events import apply_transition
from orders.models import Order, OrderLine, OrderVersion
from orders.services.amendments import amendment_expiry_move, draft_lines, open_draft
from orders.statuses import BillingMode
from payments import queue
from payments.locks import lock_amendment_payment
from payments.models import Payment
from payments.services.creation import payment_create
from payments.services.finalization import check_reserved
from tessera.actors import Actor
from tessera.ids import time_ordered_uuid
from tessera.times import iso_utc


def amendment_payment_request(*, order: Order, version: OrderVersion, actor: Actor, now) -> Payment:
    """The draft's open payment of its balance, or a new one, once the confirmation's checks passed.

    The same balance is answered with the same payment (a second confirm, a retry); a balance
    that changed since (lines failed out of the draft) ends the old payment first. The draft's
    ``expires_at`` becomes at least ORDER_EXPIRY_MINUTES from now, the time a new order's
    checkout gives its customer to pay.
    """
    if BillingMode.GATEWAY not in order.partner.billing_modes:
        raise BillingModeNotAllowed(
            "The payment gateway is not enabled for this partner.", allowed=order.partner.billing_modes
        )
    payment = lock_amendment_payment(version)
    if payment is not None and payment.amount == version.balance:
        return payment
    if payment is not None:
        _abandon(payment, actor=actor, reason="the amendment's balance changed")
    deadline = now + settings.ORDER_EXPIRY_DEFAULT
    if version.expires_at < deadline:
        amendment_expiry_move(version, deadline, actor=actor)
    payment = _payment_create(order, version, actor=actor)
    order.save(update_fields=["updated_at"])  # partners syncing by updatedAt see the payment
    return payment


def amendment_payment_for_customer(*, order: Order, lines: list[OrderLine], actor: Actor) -> Payment | None:
    """What the customer's Pay on the checkout page pays while the order's open draft waits for its
    payment: the open payment, or a new one after a declined or cancelled attempt. None when the
    order has no draft the partner has confirmed (no payment was ever asked for)."""
    draft = open_draft(order)
    if draft is None or not Payment.objects.filter(amendment=draft).exists():
        return None
    payment = lock_amendment_payment(draft)
    if payment is not None:
        return payment
    if draft.expires_at <= timezone.now():
        raise AmendmentExpired(
            f"Version {draft.number} of order {order.reference} expired at {iso_utc(draft.expires_at)}.",
            version=draft.number,
        )
    new, _removed = draft_lines(lines, draft.number)
    check_reserved(new)
    return _payment_create(order, draft, actor=actor)


def amendment_payment_abandon(*, order: Order, version: OrderVersion, actor: Actor, reason: str) -> None:
    """A draft was reset or expired: its open payment is canceled, at the provider after commit.
    If the customer paid in the meantime, that answer captures it late and the money goes back."""
    payment = lock_amendment_payment(version)
    if payment is not None:
        _abandon(payment, actor=actor, reason=reason)


def _payment_create(order: Order, version: OrderVersion, *, actor: Actor) -> Payment:
    payment_id = time_ordered_uuid()
    provider = settings.PAYMENT_GATEWAY_PROVIDER
    return payment_create(
        order=order,
        method=BillingMode.GATEWAY,
        provider=provider,
        idempotency_key=f"payment:{payment_id}",
        actor=actor,
        payment_id=payment_id,
        # The payment's create event says which version it pays and until when it may be paid.
        details={"provider": provider, "version": version.number, "expiresAt": iso_utc(version.expires_at)},
        amendment=version,
    )


def _abandon(payment: Payment, *, actor: Actor, reason: str) -> None:
    apply_transition(payment, "cancel", actor=actor, reason=reason, payload={"reason": reason})
    queue.payment_session_cancellation(payment.pk)
