"""Refunds: money going back for lines, or for a whole payment, the way it came.

A refund's amount is reserved against its payment when the refund is created, under the order's
lock: what may still be refunded is what was paid minus every refund that has not FAILED, so
refunds asked at the same moment can never add up to more than was paid.

A refund a partner or staff ask for (``refund_request``) starts REQUESTED; a task asks the
supplier to take the lines back (payments.services.refund_processing) and, under the lock again,
``refund_return_money`` sends the money back by the payment's method:

* wallet: a CREDIT ledger entry, at once (SUCCEEDED);
* invoice: a credit note that the partner's next invoice deducts, at once (SUCCEEDED);
* gateway: the payment provider is asked after commit (PROCESSING); the provider's callback or
  the reconcile sweep ends it through ``refund_settle`` (SUCCEEDED or FAILED).

The payment follows the money that has really gone back: PARTIALLY_REFUNDED, then REFUNDED.
"""

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from orders.events import apply_transition
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine, OrderVersion
from orders.services.amendments import refuse_if_draft_open
from orders.statuses import BillingMode, LineStatus, OrderStatus
from payments import events, queue
from payments.errors import (
    LineNotRefundable,
    RefundExceedsPayment,
    RefundInProgress,
    RefundNotAllowed,
    RefundNotFound,
)
from payments.models import (
    LedgerKind,
    Payment,
    Refund,
    RefundFailureStage,
    RefundLine,
    RefundReason,
    RefundStatus,
)
from payments.refund_rules import (
    CAPTURED_PAYMENT_STATUSES,
    LIVE_REFUND_STATUSES,
    REFUNDABLE_ORDER_STATUSES,
    REQUESTABLE_REASONS,
    captured_payment,
    lines_in_live_refunds,
    paid_payment,
    paid_with_amendments,
    refundable_lines,
)
from payments.services.invoicing import credit_note_issue
from payments.services.wallets import wallet_book
from tessera.actors import Actor
from tessera.errors import IdempotencyKeyReused, InvalidInput, InvalidState
from tessera.money import ZERO, format_amount, parse_exact, quantize

logger = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 255


def refundable_amount(payment: Payment) -> Decimal:
    """What may still be refunded on a payment: paid (with what confirmed amendments moved) minus
    refunds succeeded or under way."""
    refunded = (
        payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"] or ZERO
    )
    return _paid(payment) - refunded


def _paid(payment: Payment) -> Decimal:
    return paid_with_amendments(payment, OrderVersion.objects.filter(order_id=payment.order_id))


# --- asked for by a partner or staff ----------------------------------------------------------


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
    """Refund some ISSUED lines of a paid order (``line_ids``), or every one left (None).

    Under the order's lock: checks the order, the payment and every line, reserves the amount
    (the lines' amounts, capped by what is left of the payment) and creates the refund
    REQUESTED. A task then asks the supplier and returns the money. The same
    ``idempotency_key`` gives back the same refund.
    """
    _check_request(reason=reason, note=note, line_ids=line_ids)
    with transaction.atomic():
        order = lock_order(order_id, partner_id=partner_id)
        existing = _replayed(order, idempotency_key)
        if existing is not None:
            return existing
        lines = lock_lines(order)
        payment = _payment_to_refund(order, pick=paid_payment)
        chosen = _chosen_lines(order, lines, line_ids)
        available = refundable_amount(payment)
        if available <= 0:
            raise RefundExceedsPayment(
                f"Everything paid for order {order.reference} has been refunded or is being refunded.",
                paid=format_amount(payment.amount, payment.currency),
                currency=payment.currency,
            )
        asked = [(line, line.amount) for line in chosen]
        refund = _refund_create(
            order=order,
            payment=payment,
            reason=reason,
            note=note,
            idempotency_key=idempotency_key,
            actor=actor,
            lines=_capped(asked, available),
        )
        queue.refund_processing([refund.pk])
    return refund


def refund_request_amount(
    *,
    order_id,
    amount: Decimal | str,
    reason: str,
    note: str,
    actor: Actor,
    idempotency_key: str,
    partner_id: int | None = None,
) -> Refund:
    """Give back an amount of a paid order without taking a line back (goodwill, a price difference).

    No supplier is asked, so the money goes back at once, the way it came. Under the order's lock
    the amount is refused if it is more than what is left of the payment; the lines stay ISSUED
    and the order becomes PARTIALLY_REFUNDED. The same ``idempotency_key`` gives back the same
    refund.
    """
    _check_request(reason=reason, note=note, line_ids=None)
    with transaction.atomic():
        order = lock_order(order_id, partner_id=partner_id)
        existing = _replayed(order, idempotency_key)
        if existing is not None:
            return existing
        lock_lines(order)
        payment = _payment_to_refund(order, pick=captured_payment)
        value = _positive_amount(amount, payment.currency)
        available = refundable_amount(payment)
        if value > available:
            left = f"{format_amount(available, payment.currency)} {payment.currency}"
            raise RefundExceedsPayment(
                f"At most {left} of order {order.reference} can still be refunded.",
                available=format_amount(available, payment.currency),
                currency=payment.currency,
            )
        refund = _refund_create(
            order=order,
            payment=payment,
            reason=reason,
            note=note,
            idempotency_key=idempotency_key,
            actor=actor,
            lines=[],
            amount=value,
        )
        if order.status != OrderStatus.PARTIALLY_REFUNDED:
            apply_transition(order, "refund_partially", actor=actor, payload={"refund": str(refund.pk)})
        refund_return_money(order=order, refund=refund, actor=actor)
    return refund


def _replayed(order: Order, idempotency_key: str) -> Refund | None:
    """The refund an earlier request with this key made, if any; the key of another order's is refused."""
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.order_id != order.pk:
        raise IdempotencyKeyReused("This idempotency key was used for a refund of another order.")
    return existing


def _payment_to_refund(order: Order, *, pick: Callable[[Iterable[Payment]], Payment | None]) -> Payment:
    """The payment a refund of the locked ``order`` goes back to (``pick`` chooses it), once the
    order's status allows a refund at all."""
    if order.status not in REFUNDABLE_ORDER_STATUSES:
        raise RefundNotAllowed(
            f"Order {order.reference} is {order.status}; only FULFILLED, PARTIALLY_FULFILLED and "
            "PARTIALLY_REFUNDED orders can be refunded.",
            status=order.status,
        )
    refuse_if_draft_open(order)
    payment = pick(Payment.objects.filter(order=order))
    if payment is None:
        raise RefundNotAllowed(f"Order {order.reference} has no payment that can be refunded.")
    return payment


def _positive_amount(amount: Decimal | str, currency: str) -> Decimal:
    try:
        value = parse_exact(amount, currency)
    except ValueError as exc:
        raise InvalidInput("The amount is not valid.", errors={"amount": [str(exc)]}) from exc
    if value <= 0:
        raise InvalidInput("The amount is not valid.", errors={"amount": ["Give an amount above zero."]})
    return value


def _check_request(*, reason: str, note: str, line_ids: list[int] | None) -> None:
    errors = {}
    if reason not in REQUESTABLE_REASONS:
        errors["reason"] = [f"Choose one of {', '.join(REQUESTABLE_REASONS)}."]
    if len(note or "") > MAX_NOTE_LENGTH:
        errors["note"] = [f"At most {MAX_NOTE_LENGTH} characters."]
    if line_ids is not None and not line_ids:
        errors["lines"] = ["Name at least one line, or leave lines out to refund every refundable line."]
    if errors:
        raise InvalidInput("The refund request is not valid.", errors=errors)


def _chosen_lines(order: Order, lines: list[OrderLine], line_ids: list[int] | None) -> list[OrderLine]:
    refunds = list(Refund.objects.filter(order=order).prefetch_related("refund_lines"))
    if line_ids is None:
        chosen = refundable_lines(lines, refunds)
        if not chosen:
            raise LineNotRefundable(f"No line of order {order.reference} is left to refund.", lines={})
        return chosen
    by_id = {line.pk: line for line in lines}
    foreign = sorted({line_id for line_id in line_ids if line_id not in by_id})
    if foreign:
        raise InvalidInput(
            "Some lines are not lines of this order.", errors={"lines": [f"Unknown line ids: {foreign}."]}
        )
    taken = lines_in_live_refunds(refunds)
    chosen = sorted({by_id[line_id] for line_id in line_ids}, key=lambda line: line.position)
    refused = {}
    for line in chosen:
        if line.status != LineStatus.ISSUED:
            refused[str(line.position)] = f"The line is {line.status}; only ISSUED lines can be refunded."
        elif line.pk in taken:
            refused[str(line.position)] = "The line is already in a refund."
    if refused:
        why = "; ".join(f"line {position}: {reason}" for position, reason in refused.items())
        raise LineNotRefundable(f"Order {order.reference} cannot refund {why}", lines=refused)
    return chosen


def _capped(asked: list[tuple[OrderLine, Decimal]], cap: Decimal) -> list[tuple[OrderLine, Decimal]]:
    """The lines' amounts, in order, until ``cap`` is used up: the last one may be cut short, and
    a line nothing is left for stays out (its ticket is not taken back for nothing)."""
    left = cap
    capped = []
    for line, amount in asked:
        share = min(amount, left)
        if share <= 0:
            break
        capped.append((line, share))
        left -= share
    return capped


def _refund_create(
    *,
    order: Order,
    payment: Payment,
    reason: str,
    note: str,
    idempotency_key: str,
    actor: Actor,
    lines: list[tuple[OrderLine, Decimal]],
    amount: Decimal | None = None,
    retry_of: Refund | None = None,
    amendment_id=None,
) -> Refund:
    """A REQUESTED refund and its lines (the caller holds the order's lock)."""
    total = amount if amount is not None else sum((share for _, share in lines), ZERO)
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        reason=reason,
        note=(note or "")[:MAX_NOTE_LENGTH],
        amount=quantize(total, payment.currency),
        currency=payment.currency,
        idempotency_key=idempotency_key,
        requested_by=actor.label[:200],
        retry_of=retry_of,
        amendment_id=amendment_id,
    )
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, line=line, amount=share) for line, share in lines
    )
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    events.refund_requested(
        refund,
        actor=actor,
        payload={
            "amount": format_amount(refund.amount, refund.currency),
            "reason": reason,
            "lines": [line.position for line, _ in lines],
        },
    )
    return refund


def lock_order_of_refund(refund_id) -> Order:
    """Lock the order of a refund: every change of a refund is made under its order's lock."""
    order_id = Refund.objects.filter(pk=refund_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise RefundNotFound("No such refund.", refund_id=str(refund_id))
    return lock_order(order_id)


# --- the money goes back ----------------------------------------------------------------------


def refund_return_money(*, order: Order, refund: Refund, actor: Actor) -> None:
    """Send a REQUESTED refund's money back the way it came; the caller holds the order's lock.

    Wallet and invoice refunds end SUCCEEDED here; a gateway refund stays PROCESSING until the
    provider, asked after commit, says how it ended. A refund of 0 (the supplier kept it all)
    succeeds and moves nothing.
    """
    apply_transition(refund, "process", actor=actor)
    method = refund.payment.method
    if refund.amount > 0 and method == BillingMode.GATEWAY:
        queue.refund_submission([refund.pk])
        return
    payload = {"amount": format_amount(refund.amount, refund.currency)}
    if refund.amount > 0 and method == BillingMode.WALLET:
        entry = wallet_book(
            kind=LedgerKind.CREDIT,
            partner_id=order.partner_id,
            currency=refund.currency,
            amount=refund.amount,
            reference=f"refund:{refund.pk}",
            actor=actor,
            order=order,
            memo=f"Refund for order {order.reference}",
        )
        payload["ledgerEntry"] = entry.pk
    elif refund.amount > 0 and method == BillingMode.INVOICE:
        payload["creditNote"] = credit_note_issue(refund=refund, actor=actor).number
    apply_transition(refund, "succeed", actor=actor, payload=payload)
    if refund.amount > 0:
        _payment_follows_refunds(refund.payment_id, actor=actor)


def _payment_follows_refunds(payment_id, *, actor: Actor) -> None:
    """PARTIALLY_REFUNDED or REFUNDED, by the money that has really gone back."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status not in CAPTURED_PAYMENT_STATUSES:
        return
    returned = (
        payment.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(total=Sum("amount"))["total"] or ZERO
    )
    if returned <= 0:
        return
    name = "refund_fully" if returned >= _paid(payment) else "refund_partially"
    apply_transition(
        payment, name, actor=actor, payload={"refunded": format_amount(returned, payment.currency)}
    )


def refund_settle(*, refund_id, state: str, reason: str = "", actor: Actor) -> Refund:
    """Apply how the payment provider says a PROCESSING refund ended (SUCCEEDED or FAILED).

    Idempotent: a refund already settled, or a state that is still PENDING, changes nothing.
    A FAILED refund keeps its lines REFUNDED (the supplier has taken them back) while the money
    is still owed: the fail event says how much, the admin lists such refunds ("Money owed"),
    and staff send it again with ``refund_retry``.
    """
    if state not in {RefundStatus.SUCCEEDED, RefundStatus.FAILED, "PENDING"}:
        raise ValueError(f"Unknown refund state {state!r}.")
    with transaction.atomic():
        lock_order_of_refund(refund_id)
        refund = Refund.objects.select_related("payment").get(pk=refund_id)
        if refund.status != RefundStatus.PROCESSING or state == "PENDING":
            return refund
        if state == RefundStatus.SUCCEEDED:
            apply_transition(
                refund, "succeed", actor=actor, payload={"providerReference": refund.provider_reference}
            )
            _payment_follows_refunds(refund.payment_id, actor=actor)
            return refund
        why = reason or "The payment provider could not refund."
        owed = f"{format_amount(refund.amount, refund.currency)} {refund.currency}"
        apply_transition(
            refund,
            "fail",
            actor=actor,
            reason=why,
            stage=RefundFailureStage.PROVIDER,
            payload={"reason": why, "moneyOwed": owed},
        )
        logger.error("refund %s failed at the provider (%s); %s owed to the customer", refund.pk, why, owed)
    return refund


# --- staff send the money of a failed refund again ----------------------------------------------


def refund_owes_money(refund: Refund) -> bool:
    """A FAILED refund that had reached the provider: its lines are refunded, its money is not."""
    return refund.status == RefundStatus.FAILED and refund.failure_stage == RefundFailureStage.PROVIDER


def retry_key(refund: Refund) -> str:
    return f"retry-of:{refund.pk.hex}"


def refund_retry(*, refund_id, actor: Actor) -> Refund:
    """Send the money of a refund that FAILED at the payment provider once more.

    The failed refund stays as it is (its history); a new refund with the same reason, lines and
    amounts goes straight to the money (the supplier already took the lines back). Retrying the
    same failed refund again gives back the same new refund.
    """
    with transaction.atomic():
        order = lock_order_of_refund(refund_id)
        failed = Refund.objects.select_related("payment").get(pk=refund_id)
        existing = Refund.objects.filter(retry_of=failed).first()
        if existing is not None:
            return existing
        if not refund_owes_money(failed):
            raise InvalidState(
                "Only a refund that failed at the payment provider can be sent again.", status=failed.status
            )
        available = refundable_amount(failed.payment)
        if available <= 0:
            raise RefundExceedsPayment("Everything paid has been refunded or is being refunded.")
        copied = [
            (refund_line.line, refund_line.amount)
            for refund_line in failed.refund_lines.select_related("line").order_by("line__position")
        ]
        refund = _refund_create(
            order=order,
            payment=failed.payment,
            reason=failed.reason,
            note=f"Sent again: refund {failed.pk} failed at the payment provider.",
            idempotency_key=retry_key(failed),
            retry_of=failed,
            amendment_id=failed.amendment_id,
            actor=actor,
            lines=_capped(copied, available),
            amount=min(failed.amount, available),
        )
        refund_return_money(order=order, refund=refund, actor=actor)
    return refund


# --- automatic refunds (the caller holds the order's lock) --------------------------------------


def refuse_amendment_during_refund(*, order: Order) -> None:
    """Raise REFUND_IN_PROGRESS if a refund of the locked ``order`` is still under way: the lines
    it takes back are still ISSUED, and an amendment must not give their money back twice.

    An amendment's own refunds (a lower version's balance on its way back through the provider,
    or a discarded draft's payment going back) take no lines and are counted in the versions'
    totals already, so they do not hold the next amendment up: a provider that settles late
    must not lock the order out of changes."""
    live = list(
        Refund.objects.filter(order=order, status__in=LIVE_REFUND_STATUSES, amendment__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    if live:
        raise RefundInProgress(
            f"Order {order.reference} has a refund under way.", refunds=[str(pk) for pk in live]
        )


def refund_undelivered(*, order: Order, lines: list[OrderLine], actor: Actor) -> Refund | None:
    """Return the money for lines a supplier failed to deliver; the caller holds the order lock.

    Automatic and capped by what is left of the payment. The lines are FAILED, so the supplier is
    not asked; the money goes back the way it came (wallet credit, credit note, provider).
    """
    payment = captured_payment(Payment.objects.filter(order=order))
    if payment is None or not lines:
        return None
    # Lines an amendment added fail on their own: each version's are refunded once.
    key = (
        f"order:{order.pk}:undelivered"
        if order.version == 1
        else f"order:{order.pk}:v{order.version}:undelivered"
    )
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    available = refundable_amount(payment)
    if available <= 0:
        return None
    refund = _refund_create(
        order=order,
        payment=payment,
        reason=RefundReason.NOT_DELIVERED,
        note="Not delivered by the supplier; returned automatically.",
        idempotency_key=key,
        actor=actor,
        lines=_capped([(line, line.amount) for line in sorted(lines, key=lambda x: x.position)], available),
    )
    refund_return_money(order=order, refund=refund, actor=actor)
    return refund


def refund_payment_in_full(*, order: Order, payment: Payment, reason: str, actor: Actor) -> Refund | None:
    """Give back a whole captured payment (what is left of it); the caller holds the order lock.

    For a gateway payment captured when its order could no longer be finalized (expired or
    canceled meanwhile): no lines, no supplier, straight to the provider. Once per payment.
    """
    if reason not in RefundReason.values:
        raise ValueError(f"Unknown refund reason {reason!r}.")
    key = f"payment:{payment.pk}:refund"
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    payment = Payment.objects.get(pk=payment.pk)
    if payment.status not in CAPTURED_PAYMENT_STATUSES:
        return None
    available = refundable_amount(payment)
    if available <= 0:
        return None
    refund = _refund_create(
        order=order,
        payment=payment,
        reason=reason,
        note="The whole payment goes back.",
        idempotency_key=key,
        actor=actor,
        lines=[],
        amount=available,
        amendment_id=payment.amendment_id,
    )
    refund_return_money(order=order, refund=refund, actor=actor)
    return refund


def refund_amendment(*, order: Order, version: OrderVersion, actor: Actor) -> list[Refund]:
    """Give a gateway order's confirmed lower version's balance back through the provider; the
    caller holds the order's lock and confirms ``version`` in the same transaction.

    The money goes back against the order's captured gateway payments, its own first and then its
    amendments', each refund at most what is left of its payment (a provider refunds no more than
    it captured). The refunds take no lines and are sent after commit (PROCESSING). Their keys are
    ``amendment:<version id>`` (then ``:2``, ``:3`` when split), so confirming once refunds once.
    """
    back = -version.balance
    payments = Payment.objects.filter(
        order=order, method=BillingMode.GATEWAY, status__in=CAPTURED_PAYMENT_STATUSES
    ).order_by("created_at")
    made: list[Refund] = []
    for payment in payments:
        share = min(back, refundable_amount(payment))
        if share <= 0:
            continue
        key = f"amendment:{version.pk}" + (f":{len(made) + 1}" if made else "")
        refund = _refund_create(
            order=order,
            payment=payment,
            reason=RefundReason.AMENDMENT,
            note=f"Version {version.number} costs less; the difference goes back.",
            idempotency_key=key,
            actor=actor,
            lines=[],
            amount=share,
            amendment_id=version.pk,
        )
        refund_return_money(order=order, refund=refund, actor=actor)
        made.append(refund)
        back -= share
        if back == 0:
            return made
    short = f"{format_amount(back, version.currency)} {version.currency}"
    raise RefundExceedsPayment(
        f"Version {version.number} gives back {short} more than is left to refund of order "
        f"{order.reference}.",
        currency=version.currency,
    )
