"""Gateway payments: the customer pays on the provider's hosted page and Tessera finalizes by itself.

A payment is confirmed only by what the provider says server-side: its signed callback, or its
answer to ``payment_status`` (asked on the customer's return and by the reconcile sweep). Every
way in ends in ``_apply_state`` under the locks of the order, its lines and the payment (in that
order), so the return and any number of callbacks, in any order, finalize the order once. A
provider is never called while a lock is held: the services read, call, then lock and re-check.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from orders.errors import BillingModeNotAllowed
from orders.events import apply_transition
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine
from orders.statuses import BillingMode, OrderStatus
from payments import queue
from payments.errors import UnknownProviderReference
from payments.locks import lock_live_payment, lock_payment
from payments.models import (
    Payment,
    PaymentStatus,
    ProviderEvent,
    Refund,
    RefundReason,
)
from payments.providers import get_provider
from payments.providers.base import CallbackEvent, EventKind, PaymentState, ProviderError
from payments.services import amendment_confirmation, refunds
from payments.services.amendment_payment import amendment_payment_for_customer
from payments.services.creation import payment_create
from payments.services.finalization import check_payable, order_finalize_paid
from tessera.actors import WORKER, Actor
from tessera.background.enqueue import enqueue_after_commit
from tessera.background.retries import attempts_left, retry_at
from tessera.errors import InvalidState
from tessera.ids import time_ordered_uuid

logger = logging.getLogger(__name__)

CUSTOMER = Actor.system("customer")
OPEN_STATUSES = (PaymentStatus.CREATED, PaymentStatus.PENDING)
RECONCILE_BATCH = 200
DEFAULT_REASONS = {PaymentState.FAILED: "declined at the provider", PaymentState.CANCELED: "canceled"}


# --- the customer clicks "Pay" -------------------------------------------------------------------


def payment_start(*, order_id, actor: Actor = CUSTOMER) -> Payment:
    """Give the customer a provider session for the order: the live one, or a new payment's.

    While the order's open draft waits for the payment of its balance (the partner confirmed it),
    that payment is the one paid (payments.services.amendment_payment).

    Two tabs (or two clicks) get the same payment and the same provider session. The provider is
    called outside any transaction with the payment's idempotency key; if it cannot be reached,
    ProviderError is raised, the payment stays CREATED, and the next click tries again with the
    same key.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        lines = lock_lines(order)
        check_gateway_allowed(order)
        payment = amendment_payment_for_customer(order=order, lines=lines, actor=actor)
        description = f"Order {order.reference} at {order.partner.name}"
        if payment is not None:
            number = payment.amendment.number
            description = f"Order {order.reference}, change to version {number}, at {order.partner.name}"
        else:
            check_payable(order, lines, timezone.now())
            payment = lock_live_payment(order)
            if payment is None:
                payment = _payment_create(order, actor=actor)
            elif payment.status not in OPEN_STATUSES:
                raise InvalidState(f"Order {order.reference} is already paid.", status=payment.status)
    if payment.status == PaymentStatus.PENDING:
        return payment
    session = get_provider(payment.provider).start_session(
        payment,
        description=description,
        return_url=settings.PUBLIC_BASE_URL + reverse("checkout:return", args=[order.order_key]),
        callback_url=settings.PUBLIC_BASE_URL + reverse("providers:callback", args=[payment.provider]),
        idempotency_key=payment.idempotency_key,
    )
    with transaction.atomic():
        lock_order(order_id)
        payment = lock_payment(payment.pk)
        if payment.status == PaymentStatus.CREATED:
            payment.provider_reference = session.reference
            payment.redirect_url = session.redirect_url
            apply_transition(payment, "start", actor=actor, payload={"providerReference": session.reference})
        elif payment.status != PaymentStatus.PENDING:
            raise InvalidState(f"The payment is {payment.status}.", status=payment.status)
    return payment


def _payment_create(order: Order, *, actor: Actor) -> Payment:
    """A new payment whose provider calls all carry its own key: a retry after a failure is a new
    payment, never a replay of the failed one."""
    payment_id = time_ordered_uuid()
    provider = settings.PAYMENT_GATEWAY_PROVIDER
    return payment_create(
        order=order,
        method=BillingMode.GATEWAY,
        provider=provider,
        idempotency_key=f"payment:{payment_id}",
        actor=actor,
        payment_id=payment_id,
        details={"provider": provider},
    )


def check_gateway_allowed(order: Order) -> None:
    if BillingMode.GATEWAY not in order.partner.billing_modes:
        raise BillingModeNotAllowed(
            "The payment gateway is not enabled for this partner.", allowed=order.partner.billing_modes
        )


# --- what the provider says -----------------------------------------------------------------------


def payment_apply_state(
    *, payment_id, state: PaymentState, reason: str = "", actor: Actor, source: str
) -> str:
    """Apply the provider's word on a payment (asked server-side) under the order's lock."""
    order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).first()
    with transaction.atomic():
        order = lock_order(order_id)
        lines = lock_lines(order)
        payment = lock_payment(payment_id)
        return _apply_state(order, lines, payment, state, reason=reason, actor=actor, source=source)


def provider_callback_apply(*, provider: str, event: CallbackEvent) -> str:
    """Apply a verified callback once: a repeat of its event id changes nothing ("duplicate")."""
    actor = Actor.system(f"provider:{provider}")
    if event.kind == EventKind.PAYMENT:
        subject = Payment.objects.filter(provider=provider, provider_reference=event.reference)
    else:
        subject = Refund.objects.filter(payment__provider=provider, provider_reference=event.reference)
    found = subject.values("pk", "order_id").first()
    if found is None:
        raise UnknownProviderReference(f"No {event.kind} with the reference {event.reference!r}.")
    with transaction.atomic():
        order = lock_order(found["order_id"])
        is_payment = event.kind == EventKind.PAYMENT
        lines = lock_lines(order) if is_payment else []
        if ProviderEvent.objects.filter(provider=provider, event_id=event.event_id).exists():
            return "duplicate"
        payment = lock_payment(found["pk"]) if is_payment else None
        ProviderEvent.objects.create(
            provider=provider,
            event_id=event.event_id,
            kind=f"{event.kind}.{event.state.lower()}",
            payment=payment,
            refund_id=None if is_payment else found["pk"],
            payload=event.payload,
        )
        if payment is not None:
            _apply_state(
                order,
                lines,
                payment,
                PaymentState(event.state),
                reason=event.reason,
                actor=actor,
                source=f"callback {event.event_id}",
            )
        else:
            refunds.refund_settle(refund_id=found["pk"], state=event.state, reason=event.reason, actor=actor)
    return "applied"


def _apply_state(
    order: Order,
    lines: list[OrderLine],
    payment: Payment,
    state: PaymentState,
    *,
    reason: str,
    actor: Actor,
    source: str,
) -> str:
    """The one place a gateway payment follows its provider; the caller holds every lock.

    PAID captures the payment and finalizes the order if it still can be (PENDING, unexpired,
    every line RESERVED), or, for an amendment's payment, confirms its draft if it still can be
    (open, unexpired, every new line RESERVED); otherwise the money goes back in full. FAILED and
    CANCELED end the payment and leave the order PENDING (or the draft open), so the customer may
    try again until it expires.
    """
    payload = {"source": source}
    if state == PaymentState.PENDING:
        return "pending"
    if state == PaymentState.PAID:
        if payment.status == PaymentStatus.CREATED:
            apply_transition(payment, "start", actor=actor, payload=payload)
        if payment.status == PaymentStatus.PENDING:
            apply_transition(payment, "capture", actor=actor, at=timezone.now(), payload=payload)
        elif payment.status == PaymentStatus.CANCELED:
            apply_transition(payment, "capture_late", actor=actor, at=timezone.now(), payload=payload)
        else:
            if payment.status == PaymentStatus.FAILED:
                logger.error("provider reports payment %s PAID, which Tessera saw FAIL", payment.pk)
            return "unchanged"
        try:
            if payment.amendment_id is not None:
                amendment_confirmation.amendment_confirm_paid(
                    order=order, lines=lines, payment=payment, actor=actor
                )
            else:
                order_finalize_paid(order=order, lines=lines, payment=payment, actor=actor)
        except InvalidState as exc:
            refunds.refund_payment_in_full(
                order=order, payment=payment, reason=RefundReason.LATE_PAYMENT, actor=actor
            )
            logger.warning("payment %s arrived for an order that cannot be finalized: %s", payment.pk, exc)
            return "refunded"
        return "finalized"
    if payment.status not in OPEN_STATUSES:
        return "unchanged"
    name = "fail" if state == PaymentState.FAILED else "cancel"
    apply_transition(
        payment,
        name,
        actor=actor,
        reason=reason or DEFAULT_REASONS[state],
        payload={**payload, "reason": reason},
    )
    return name


# --- an order that ends takes its unpaid payment with it ------------------------------------------


def gateway_payment_abandon(*, order: Order, actor: Actor, reason: str) -> Payment | None:
    """Cancel the live unpaid gateway payment of a locked order that is ending (expired, canceled).

    The provider's session is canceled after commit; if the customer paid in the meantime, that
    answer captures the payment late and the money goes back (``payment_session_cancel``).
    """
    payment = lock_live_payment(order)
    if payment is None or payment.method != BillingMode.GATEWAY or payment.status not in OPEN_STATUSES:
        return None
    apply_transition(payment, "cancel", actor=actor, reason=reason, payload={"reason": reason})
    queue.payment_session_cancellation(payment.pk)
    return payment


def payment_session_cancel(*, payment_id, attempt: int = 1) -> str:
    """In the worker: cancel a given-up payment's provider session, and act on how it ended."""
    payment = Payment.objects.get(pk=payment_id)
    try:
        state = get_provider(payment.provider).cancel_session(
            payment, idempotency_key=f"{payment.idempotency_key}:cancel"
        )
    except ProviderError as exc:
        if exc.retryable and attempts_left(attempt):
            queue.payment_session_cancellation(payment.pk, attempt=attempt + 1, run_after=retry_at(attempt))
            return "retry"
        logger.error("could not cancel the provider session of payment %s: %s", payment.pk, exc)
        return "gave_up"
    if state == PaymentState.PAID:
        return payment_apply_state(payment_id=payment.pk, state=state, actor=WORKER, source="session cancel")
    return state.lower()


# --- the reconcile sweep --------------------------------------------------------------------------


def payment_reconcile(*, payment_id) -> str:
    """Ask the provider how a PENDING gateway payment stands and apply the answer."""
    payment = Payment.objects.filter(pk=payment_id, status=PaymentStatus.PENDING).first()
    if payment is None:
        return "skipped"
    try:
        state = get_provider(payment.provider).payment_status(payment)
    except ProviderError as exc:
        logger.warning("status of payment %s failed (%s); the next sweep asks again", payment.pk, exc)
        return "retry"
    if state == PaymentState.PENDING:
        return _abandon_if_order_ended(payment.order_id)
    return payment_apply_state(payment_id=payment.pk, state=state, actor=WORKER, source="reconcile")


def _abandon_if_order_ended(order_id) -> str:
    """A payment still open at the provider for an order that ended is given up now."""
    with transaction.atomic():
        order = lock_order(order_id)
        if order.status == OrderStatus.PENDING:
            return "pending"
        abandoned = gateway_payment_abandon(order=order, actor=WORKER, reason=f"order {order.status.lower()}")
        return "abandoned" if abandoned else "pending"


def payments_reconcile_due(*, limit: int = RECONCILE_BATCH) -> int:
    """The periodic sweep: queue a status check of gateway payments PENDING for a while."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.GATEWAY_RECONCILE_AFTER_SECONDS)
    due = list(
        Payment.objects.filter(method=BillingMode.GATEWAY, status=PaymentStatus.PENDING, updated_at__lt=stale)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    # Asked again only after another interval, however long the provider takes to answer.
    Payment.objects.filter(pk__in=due).update(updated_at=now)

    calls = [{"payment_id": str(payment_id)} for payment_id in due]
    enqueue_after_commit("payments.tasks.reconcile_gateway_payment", calls, with_correlation=False)
    return len(due)
