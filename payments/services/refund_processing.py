"""The worker's side of refunds: the supplier first, then the money; the provider for gateway ones.

Each step has the shape of line fulfilment (orders.services.fulfilment), so a crash anywhere is
safe to run again:

1. read the refund without a lock and leave if it no longer waits for this step;
2. call the supplier or the provider holding no lock, with a key stable per refund (and line),
   so a retry, a duplicate task or a re-run after a crash does the thing once; the supplier gets
   one refund call per booking (an order's lines at one supplier), through its breaker and
   bulkhead like every supplier call;
3. lock the order, check the refund is still where step 1 saw it, and apply the answer.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orders.bookings import booking_call, booking_of, group_into_bookings
from orders.events import apply_transition, batched
from orders.locks import lock_lines
from orders.models import OrderLine
from orders.services.revocation import vouchers_revoke_for_lines
from orders.statuses import BillingMode, LineStatus
from orders.stock_adapter import adapter_for_line
from payments import events, queue
from payments.models import Refund, RefundFailureStage, RefundLine, RefundStatus
from payments.providers import get_provider
from payments.providers.base import ProviderError, RefundState
from payments.refund_rules import REFUNDABLE_ORDER_STATUSES
from payments.services.refunds import lock_order_of_refund, refund_return_money, refund_settle
from suppliers.adapters.base import LineResults, PermanentSupplierError, RefundResult, SupplierError
from suppliers.breaker import CallDeferred
from tessera.actors import WORKER
from tessera.background.retries import attempts_left, retry_at
from tessera.money import ZERO, format_amount, quantize

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# A refund left REQUESTED or PROCESSING this long is looked at again by the sweep.
STALE_AFTER = timedelta(minutes=1)
Outcome = str


def supplier_refund_key(refund_id, line_id: int) -> str:
    return f"refund:{refund_id}:line:{line_id}"


def provider_refund_key(refund_id) -> str:
    return f"refund:{refund_id}"


# --- the supplier takes the lines back ------------------------------------------------------------


def refund_process(*, refund_id, attempt: int = 1) -> Outcome:
    """Ask the supplier to refund every line of a REQUESTED refund, then apply the answers.

    A supplier that refuses a line keeps it: the line stays ISSUED and leaves the refund. If it
    refuses every line, the refund FAILS and nothing moves. A supplier that is busy or does not
    answer is asked again later with the same keys.
    """
    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None or refund.status != RefundStatus.REQUESTED:
        return "skipped"
    refund_lines = {
        refund_line.line_id: refund_line
        for refund_line in refund.refund_lines.select_related(
            "line__product", "line__supplier", "line__order", "line__traveller"
        )
    }
    answers: dict[int, RefundResult] = {}
    refusals: dict[int, SupplierError] = {}
    trouble: SupplierError | None = None
    for lines in group_into_bookings(refund_line.line for refund_line in refund_lines.values()):
        try:
            results = _supplier_refunds(refund.pk, lines)
        except CallDeferred as deferred:
            _touch(refund.pk)
            queue.refund_processing([refund.pk], attempt=attempt, run_after=deferred.until)
            return "waiting"
        for line_id, answer in results.items():
            refund_line_id = refund_lines[line_id].pk
            if isinstance(answer, PermanentSupplierError):
                refusals[refund_line_id] = answer
            elif isinstance(answer, SupplierError):
                trouble = trouble or answer
            else:
                answers[refund_line_id] = answer
    if trouble is not None:
        return _ask_supplier_later(refund, trouble, attempt)
    return _apply_supplier_answers(refund.pk, answers, refusals)


def _supplier_refunds(refund_id, lines: list[OrderLine]) -> LineResults[RefundResult]:
    """One refund call for a booking's lines (an order's lines at one supplier), each line's
    amount back; its keys are the refund's, the same for every retry."""
    adapter = adapter_for_line(lines[0])
    booking = booking_of(
        lines,
        "refund",
        key=f"refund:{refund_id}",
        line_keys={line.pk: supplier_refund_key(refund_id, line.pk) for line in lines},
    )
    return booking_call(lines, adapter, lambda: adapter.refund_booking(booking))


def _apply_supplier_answers(
    refund_id, answers: dict[int, RefundResult], refusals: dict[int, SupplierError]
) -> Outcome:
    # batched(): the lines' transitions move the order's updatedAt once, with its own transition.
    with transaction.atomic(), batched():
        order = lock_order_of_refund(refund_id)
        lines = {line.pk: line for line in lock_lines(order)}
        refund = Refund.objects.select_related("payment").get(pk=refund_id)
        if refund.status != RefundStatus.REQUESTED:
            return "stale"
        refund_lines = list(refund.refund_lines.all())
        refused = [rl for rl in refund_lines if rl.pk in refusals]
        why = "; ".join(f"line {lines[rl.line_id].position}: {refusals[rl.pk]}" for rl in refused)
        kept = [
            {"line": lines[rl.line_id].position, "code": refusals[rl.pk].code, "reason": str(refusals[rl.pk])}
            for rl in refused
        ]
        accepted = [rl for rl in refund_lines if rl.pk in answers]
        if not accepted:
            apply_transition(
                refund,
                "fail",
                actor=WORKER,
                reason=f"The supplier refused: {why}",
                stage=RefundFailureStage.SUPPLIER,
                payload={"refused": kept},
            )
            return "refused"
        for refund_line in accepted:
            answer = answers[refund_line.pk]
            back = min(refund_line.amount, quantize(answer.refunded, refund.currency))
            refund_line.amount = max(back, ZERO)
            refund_line.supplier_fee = quantize(answer.fee, refund.currency)
            refund_line.supplier_reference = answer.reference[:100]
        RefundLine.objects.bulk_update(accepted, ["amount", "supplier_fee", "supplier_reference"])
        if refused:
            RefundLine.objects.filter(pk__in=[rl.pk for rl in refused]).delete()
            refund.failure_reason = f"The supplier kept {why}"[:255]
        refund.amount = sum((rl.amount for rl in accepted), ZERO)
        refund.supplier_fee = sum((rl.supplier_fee for rl in accepted), ZERO)
        refund.save(update_fields=["amount", "supplier_fee", "failure_reason", "updated_at"])
        events.refund_supplier_refunded(
            refund,
            payload={
                "lines": [lines[rl.line_id].position for rl in accepted],
                "amount": format_amount(refund.amount, refund.currency),
                "supplierFee": format_amount(refund.supplier_fee, refund.currency),
                "refused": kept,
            },
        )
        refunded_lines = []
        for refund_line in accepted:
            line = lines[refund_line.line_id]
            if line.status == LineStatus.ISSUED:
                apply_transition(line, "mark_refunded", actor=WORKER)
                refunded_lines.append(line)
        # The money goes back, so the voucher must stop working: revoke it (audited).
        vouchers_revoke_for_lines(lines=refunded_lines, reason=f"Refunded (refund {refund.pk})", actor=WORKER)
        if order.status in REFUNDABLE_ORDER_STATUSES:
            issued_left = any(line.status == LineStatus.ISSUED for line in lines.values())
            name = "refund_partially" if issued_left else "refund_fully"
            apply_transition(order, name, actor=WORKER, payload={"refund": str(refund.pk)})
        refund_return_money(order=order, refund=refund, actor=WORKER)
        return "refunded"


def _ask_supplier_later(refund: Refund, exc: SupplierError, attempt: int) -> Outcome:
    """Retry with backoff; when the attempts run out, the sweep picks the refund up again."""
    more = attempts_left(attempt)
    when = retry_at(attempt) if more else None
    _touch(refund.pk)
    events.refund_supplier_retry_scheduled(
        refund, attempt=attempt, code=exc.code, reason=str(exc), next_attempt_at=when
    )
    if more:
        queue.refund_processing([refund.pk], attempt=attempt + 1, run_after=when)
        return "retry"
    return "waiting"


# --- the payment provider sends the money back -----------------------------------------------------


def refund_submit(*, refund_id, attempt: int = 1) -> Outcome:
    """Hand a PROCESSING gateway refund to its payment provider (once per refund, by key).

    The call and the storing of the provider's reference share one transaction, holding no lock:
    an in-process provider (the sandbox) answers after that commit, so its callback always finds
    the reference. A refusal fails the refund; trouble reaching the provider retries.
    """
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != RefundStatus.PROCESSING or refund.provider_reference:
        return "skipped"
    payment = refund.payment
    if payment.method != BillingMode.GATEWAY:
        return "skipped"
    try:
        with transaction.atomic():
            outcome = get_provider(payment.provider).refund(
                payment, amount=refund.amount, idempotency_key=provider_refund_key(refund.pk)
            )
            Refund.objects.filter(pk=refund.pk, provider_reference="").update(
                provider_reference=outcome.reference[:100], updated_at=timezone.now()
            )
    except ProviderError as exc:
        if exc.retryable:
            return _ask_provider_later(refund, exc, attempt)
        refund_settle(refund_id=refund.pk, state=RefundStatus.FAILED, reason=str(exc), actor=WORKER)
        return "refused"
    events.refund_provider_accepted(refund, provider_reference=outcome.reference, state=str(outcome.state))
    if outcome.state != RefundState.PENDING:
        refund_settle(refund_id=refund.pk, state=str(outcome.state), reason=outcome.reason, actor=WORKER)
    return "submitted"


def _ask_provider_later(refund: Refund, exc: ProviderError, attempt: int) -> Outcome:
    _touch(refund.pk)
    events.refund_provider_retry_scheduled(refund, attempt=attempt, code=exc.code, reason=str(exc))
    if attempts_left(attempt):
        queue.refund_submission([refund.pk], attempt=attempt + 1, run_after=retry_at(attempt))
        return "retry"
    return "waiting"


def refund_check(*, refund_id) -> Outcome:
    """Ask the provider how a PROCESSING refund ended, and settle it if it has."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != RefundStatus.PROCESSING:
        return "skipped"
    if refund.payment.method != BillingMode.GATEWAY:
        return "skipped"
    if not refund.provider_reference:
        # The provider never acknowledged it: send it again, with the same key.
        return refund_submit(refund_id=refund.pk)
    try:
        outcome = get_provider(refund.payment.provider).refund_status(refund)
    except ProviderError as exc:
        logger.warning("status of refund %s failed (%s); asking again later", refund.pk, exc)
        _touch(refund.pk)
        return "retry"
    if outcome.state == RefundState.PENDING:
        _touch(refund.pk)
        return "pending"
    refund_settle(refund_id=refund.pk, state=str(outcome.state), reason=outcome.reason, actor=WORKER)
    return str(outcome.state).lower()


def _touch(refund_id) -> None:
    """The refund was looked at now: the sweep leaves it alone for another STALE_AFTER."""
    Refund.objects.filter(pk=refund_id).update(updated_at=timezone.now())


# --- the periodic sweep -----------------------------------------------------------------------------


def refunds_reconcile_due(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Pick up refunds whose task seems lost or whose provider has not answered for a while."""
    now = timezone.now()
    due = Refund.objects.filter(updated_at__lt=now - STALE_AFTER).order_by("updated_at")
    requested = list(due.filter(status=RefundStatus.REQUESTED).values_list("pk", flat=True)[:limit])
    processing = list(
        due.filter(status=RefundStatus.PROCESSING, payment__method=BillingMode.GATEWAY).values_list(
            "pk", flat=True
        )[:limit]
    )
    Refund.objects.filter(pk__in=requested + processing).update(updated_at=now)
    queue.refund_processing(requested)
    queue.refund_check(processing)
    return {"process": len(requested), "check": len(processing)}
