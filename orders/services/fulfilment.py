"""The worker's side of the lifecycle: reserving, issuing, releasing and reconciling lines.

Each use case follows one shape, so a crash at any point is safe to run again:

1. read the line without a lock and leave if it no longer waits for this step;
2. call the supplier with the line's idempotency key for the step, holding no lock, so a slow
   supplier blocks nobody (a repeated call with the same key does the thing once);
3. lock the order and its lines, check the line is still where step 1 saw it, apply the outcome
   through a transition, and settle the order's status from its lines.
"""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders import events, queue
from orders.bookings import (
    booking_call,
    booking_of,
    group_into_bookings,
    release_booking_of,
    status_booking_of,
)
from orders.events import apply_transition, batched
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine, in_version
from orders.services.amendment_returns import lines_to_return_after_failed_exchanges
from orders.services.cancellation import release_lines
from orders.signals import lines_undelivered, order_ended_unpaid, order_reserved
from orders.statuses import (
    DELAYED_SUB_STATUSES,
    LinePhase,
    LineStatus,
    LineSubStatus,
    OrderStatus,
)
from orders.stock_adapter import adapter_for_line
from orders.vouchers import voucher_store
from suppliers.adapters.base import (
    DeliveredItem,
    Issuance,
    IssueState,
    PermanentSupplierError,
    RemoteState,
    SupplierError,
    SupplierTimeout,
)
from suppliers.breaker import CallDeferred
from tessera.actors import WORKER
from tessera.background.retries import attempts_left, retry_at
from tessera.event_types import EventType

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
Outcome = str


# --- reserve -------------------------------------------------------------------------------


def line_reserve(*, line_id: int, attempt: int = 1) -> Outcome:
    return booking_reserve(line_ids=[line_id], attempt=attempt)


def booking_reserve(*, line_ids: list[int], attempt: int = 1) -> Outcome:
    """Reserve waiting lines: one supplier call per order and supplier (orders.bookings)."""
    lines = _load_waiting(line_ids, lambda line: line.status == LineStatus.RESERVING)
    if not lines:
        return "skipped"
    if _split_into_bookings(lines, queue.reservation, attempt):
        return "split"
    adapter = adapter_for_line(lines[0])
    try:
        results = booking_call(lines, adapter, lambda: adapter.reserve_booking(booking_of(lines, "reserve")))
    except CallDeferred as deferred:
        return _wait(lines, deferred, attempt, queue.reservation)

    def apply(order: Order, line: OrderLine, reservation) -> Outcome:
        if line.status == LineStatus.RESERVING:
            line.supplier_attempts += 1
            apply_transition(
                line,
                "mark_reserved",
                actor=WORKER,
                reservation_ref=reservation.reference,
                payload=_exchange_held(line, reservation) if line.supplier_exchange else None,
            )
            return "reserved"
        if line.status == LineStatus.RELEASED:
            # The order ended while the supplier was reserving: give the reservation back
            # (queued with the booking's other follow-ups, see _queue_follow_ups).
            return "released"
        return "stale"

    return _settle_booking(lines, results, LineStatus.RESERVING, apply, attempt, queue.reservation)


def _exchange_held(line: OrderLine, reservation) -> dict:
    """What a reserved exchange's event tells: the line it replaces, and the supplier's price for
    the exchange if it named one (told, not charged: the partner pays the draft's balance)."""
    held = {"replaces": line.replaces.position}
    if reservation.price is not None:
        held["supplierPrice"] = str(reservation.price)
    return {"exchange": held}


# --- issue ---------------------------------------------------------------------------------


def line_issue(*, line_id: int, attempt: int = 1) -> Outcome:
    return booking_issue(line_ids=[line_id], attempt=attempt)


def booking_issue(*, line_ids: list[int], attempt: int = 1) -> Outcome:
    """Issue waiting lines: one supplier call per order and supplier (orders.bookings). A line
    the supplier accepted for later delivery waits for the delayed-voucher poll instead."""
    lines = _load_waiting(
        line_ids,
        lambda line: line.status == LineStatus.ISSUING and line.sub_status not in DELAYED_SUB_STATUSES,
    )
    if not lines:
        return "skipped"
    if _split_into_bookings(lines, queue.issuance, attempt):
        return "split"
    adapter = adapter_for_line(lines[0])
    try:
        results = booking_call(lines, adapter, lambda: adapter.issue_booking(booking_of(lines, "issue")))
    except CallDeferred as deferred:
        return _wait(lines, deferred, attempt, queue.issuance)

    def apply(order: Order, line: OrderLine, issuance: Issuance) -> Outcome:
        if issuance.state == IssueState.PENDING:
            return _accepted(issuance.booking_reference)(order, line)
        return _deliver(issuance.booking_reference, issuance.items, attempted=True)(order, line)

    return _settle_booking(lines, results, LineStatus.ISSUING, apply, attempt, queue.issuance)


def _accepted(booking_ref: str) -> Callable[[Order, OrderLine], Outcome]:
    """Delayed delivery: the supplier took the order and releases the voucher later. The first
    fetch comes soon (a follow-up); after that the delayed-voucher poll
    (orders.services.delayed_delivery) asks."""

    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status != LineStatus.ISSUING:
            return "stale"
        line.sub_status = LineSubStatus.VENDOR_ORDER_CREATED
        line.supplier_attempts += 1
        line.save(update_fields=["sub_status", "supplier_attempts", "updated_at"])
        events.line_issuance_accepted(line, booking_ref=booking_ref)
        return "accepted"

    return apply


def _deliver(
    booking_ref: str, items: list[DeliveredItem], *, attempted: bool = False
) -> Callable[[Order, OrderLine], Outcome]:
    """Issue a locked line with what the supplier delivered; ``attempted`` when this was an issue
    call (counted in the line's supplier attempts), not a reconciliation's status question."""

    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.phase != LinePhase.ISSUE or line.status not in {LineStatus.ISSUING, LineStatus.UNKNOWN}:
            return "stale"
        if attempted:
            line.supplier_attempts += 1
        voucher = voucher_store(line=line, item=items[0]) if items else None
        apply_transition(
            line,
            "mark_issued",
            actor=WORKER,
            booking_ref=booking_ref,
            payload={"bookingReference": booking_ref, "items": len(items)},
        )
        if voucher is not None:
            events.voucher_delivered(voucher)
        if line.supplier_exchange:
            # The supplier's exchange call cancelled the old ticket in the same step.
            events.line_exchange_confirmed(line.replaces, replaced_by=line, booking_ref=booking_ref)
        return "issued"

    return apply


# --- one booking's answers, line by line ---------------------------------------------------


def _split_into_bookings(lines: list[OrderLine], requeue, attempt: int) -> bool:
    """Lines of several bookings (orders or suppliers): queue one task per booking, each of
    which runs, retries and fails alone; True if it did."""
    groups = group_into_bookings(lines)
    if len(groups) == 1:
        return False
    for group in groups:
        requeue([line.pk for line in group], attempt=attempt)
    return True


def _load_waiting(line_ids: list[int], waiting: Callable[[OrderLine], bool]) -> list[OrderLine]:
    # order_by(): the lines' default ordering (by their order's creation) would join the orders.
    lines = OrderLine.objects.select_related("product", "supplier", "order", "traveller")
    return [line for line in lines.filter(pk__in=line_ids).order_by("pk") if waiting(line)]


def _wait(lines: list[OrderLine], deferred: CallDeferred, attempt: int, requeue) -> Outcome:
    """The call was not sent (breaker open, bulkhead full): the lines wait in the queue, not in
    a worker, and keep their attempt. Their clock moves now and then so that the reconcile sweep
    does not take them for lost."""
    now = timezone.now()
    half_stale = now - timedelta(seconds=settings.LINE_STALE_AFTER_SECONDS / 2)
    ids = [line.pk for line in lines]
    OrderLine.objects.filter(pk__in=ids, updated_at__lt=half_stale).update(updated_at=now)
    requeue(ids, attempt=attempt, run_after=deferred.until)
    return "waiting"


def _settle_booking(seen: list[OrderLine], results: dict, expected: str, apply, attempt: int, requeue):
    """Apply each line's answer under one lock of the order: success through ``apply``, a
    timeout makes the line UNKNOWN, a refusal FAILED, a retryable error retries the line."""
    seen_by_pk = {line.pk: line for line in seen}

    def apply_all(order: Order, lines: list[OrderLine]) -> list[tuple[int, Outcome]]:
        outcomes = []
        retry: list[OrderLine] = []
        when = max([retry_at(attempt), *_asked_to_wait(results.values())])
        for line in lines:
            if line.pk not in results:
                continue
            answer = results[line.pk]
            if not isinstance(answer, SupplierError):
                outcome = apply(order, line, answer)
            elif line.status != expected:
                outcome = "stale"
            elif isinstance(answer, SupplierTimeout):
                outcome = _unknown(line, answer)
            elif isinstance(answer, PermanentSupplierError):
                outcome = _failed(line, answer)
            elif not attempts_left(attempt):
                outcome = _unknown(line, SupplierError(f"gave up after {attempt} attempts: {answer}"))
            else:
                retry.append(line)
                outcome = _retry_later(seen_by_pk[line.pk], answer, attempt, when)
            outcomes.append((line.pk, outcome))
        if retry:
            requeue([line.pk for line in retry], attempt=attempt + 1, run_after=when)
        return outcomes

    return _apply_under_lock(seen[0].order_id, apply_all)


def _apply_under_lock(
    order_id, apply_all: Callable[[Order, list[OrderLine]], list[tuple[int, Outcome]]]
) -> Outcome:
    """Lock the order and its lines, apply a booking's answers (``apply_all`` gives each line's
    outcome), queue what the lines need next and settle the order, in one transaction."""
    with transaction.atomic(), batched():
        order = lock_order(order_id)
        lines = lock_lines(order)
        outcomes = apply_all(order, lines)
        _queue_follow_ups(outcomes)
        settle_order(order, lines)
    return _summary([outcome for _, outcome in outcomes])


def _queue_follow_ups(outcomes: list[tuple[int, Outcome]]) -> None:
    """The next step of each line, one task per step for all of a booking's lines (each a
    booking call again): lines to release, to ask about, to reserve or issue again."""
    by_outcome: dict[Outcome, list[int]] = {}
    for line_id, outcome in outcomes:
        by_outcome.setdefault(outcome, []).append(line_id)
    if released := by_outcome.get("released"):
        queue.release(released)
    if ask := by_outcome.get("unknown", []) + by_outcome.get("accepted", []):
        queue.reconciliation(ask, run_after=retry_at(1))
    if reserve := by_outcome.get("reserving"):
        queue.reservation(reserve)
    if issue := by_outcome.get("issuing"):
        queue.issuance(issue)


def _asked_to_wait(answers) -> list[datetime]:
    """When a supplier that throttles (HTTP 429) said to come back, if it said so."""
    now = timezone.now()
    return [
        now + timedelta(seconds=answer.retry_after)
        for answer in answers
        if getattr(answer, "retry_after", None) is not None
    ]


def _summary(outcomes: list[Outcome]) -> Outcome:
    """One line's outcome as it is; several as counts, e.g. "issued:6,failed:1"."""
    counts = Counter(outcomes)
    if len(counts) == 1:
        return outcomes[0]
    return ",".join(f"{outcome}:{count}" for outcome, count in sorted(counts.items()))


# --- release -------------------------------------------------------------------------------


def line_release_at_supplier(*, line_id: int, attempt: int = 1) -> Outcome:
    return booking_release(line_ids=[line_id], attempt=attempt)


def booking_release(*, line_ids: list[int], attempt: int = 1) -> Outcome:
    """Tell the supplier RELEASED lines' reservations are no longer wanted: one call per order
    and supplier, answered line by line (a line it refuses to release is audited and left)."""
    lines = _load_waiting(line_ids, lambda line: line.status == LineStatus.RELEASED)
    if not lines:
        return "skipped"
    if _split_into_bookings(lines, queue.release, attempt):
        return "split"
    adapter = adapter_for_line(lines[0])
    try:
        results = booking_call(lines, adapter, lambda: adapter.cancel_booking(release_booking_of(lines)))
    except CallDeferred as deferred:
        queue.release([line.pk for line in lines], attempt=attempt, run_after=deferred.until)
        return "waiting"
    outcomes = []
    retry = []
    with transaction.atomic(), batched():
        for line in lines:
            answer = results[line.pk]
            if not isinstance(answer, SupplierError):
                events.line_release_confirmed(line)
                outcomes.append("released")
            elif isinstance(answer, PermanentSupplierError):
                events.line_release_refused(line, code=answer.code, reason=str(answer))
                outcomes.append("refused")
            elif attempts_left(attempt):
                retry.append(line.pk)
                outcomes.append("retry")
            else:
                logger.error("giving up releasing line %s at the supplier: %s", line.pk, answer)
                outcomes.append("gave_up")
        if retry:
            queue.release(retry, attempt=attempt + 1, run_after=retry_at(attempt))
    return _summary(outcomes)


# --- reconcile -----------------------------------------------------------------------------


def line_reconcile(*, line_id: int, attempt: int = 1) -> Outcome:
    return booking_reconcile(line_ids=[line_id], attempt=attempt)


def booking_reconcile(*, line_ids: list[int], attempt: int = 1) -> Outcome:
    """Ask the supplier what really happened to UNKNOWN lines, or to delayed issuances: one
    status call per order and supplier, each line resolved by its own answer."""
    lines = _load_waiting(line_ids, lambda line: line.status in {LineStatus.UNKNOWN, LineStatus.ISSUING})
    if not lines:
        return "skipped"
    if _split_into_bookings(lines, queue.reconciliation, attempt):
        return "split"
    ids = [line.pk for line in lines]
    adapter = adapter_for_line(lines[0])
    try:
        results = booking_call(lines, adapter, lambda: adapter.status_booking(status_booking_of(lines)))
    except CallDeferred as deferred:
        _touch(ids)
        queue.reconciliation(ids, attempt=attempt, run_after=deferred.until)
        return "waiting"
    unanswered = [pk for pk in ids if isinstance(results[pk], SupplierError)]
    if unanswered:
        logger.warning(
            "status of lines %s failed (%s); trying again later", unanswered, results[unanswered[0]]
        )
        _touch(unanswered)
        if attempts_left(attempt):
            queue.reconciliation(unanswered, attempt=attempt + 1, run_after=retry_at(attempt))
    seen = {line.pk: line.status for line in lines}

    def apply_all(order: Order, locked: list[OrderLine]) -> list[tuple[int, Outcome]]:
        outcomes = [(pk, "retry") for pk in unanswered]
        for line in locked:
            report = results.get(line.pk)
            if report is None or isinstance(report, SupplierError):
                continue
            if line.status != seen[line.pk]:
                outcomes.append((line.pk, "stale"))
                continue
            payload = {"supplierState": report.state}
            if line.phase == LinePhase.RESERVE:
                outcomes.append((line.pk, _resolve_reservation(line, report, payload)))
            else:
                outcomes.append((line.pk, _resolve_issuance(order, line, report, payload)))
        return outcomes

    return _apply_under_lock(lines[0].order_id, apply_all)


def _resolve_reservation(line: OrderLine, report, payload: dict) -> Outcome:
    now = timezone.now()
    if report.state == RemoteState.RESERVED:
        apply_transition(
            line, "resolve_reserved", actor=WORKER, reservation_ref=report.reference, payload=payload
        )
        return "reserved"
    if report.state == RemoteState.NOT_FOUND:
        apply_transition(line, "retry_reservation", actor=WORKER, at=now, payload=payload)
        return "reserving"
    apply_transition(
        line,
        "mark_failed",
        actor=WORKER,
        code="RESERVATION_LOST",
        reason=report.reason or f"supplier reports {report.state}",
        payload=payload,
    )
    return "failed"


def _resolve_issuance(order: Order, line: OrderLine, report, payload: dict) -> Outcome:
    now = timezone.now()
    if report.state == RemoteState.ISSUED:
        return _deliver(report.reference, report.items)(order, line)
    if report.state in {RemoteState.ISSUE_PENDING, RemoteState.NOT_FOUND, RemoteState.RESERVED}:
        if line.status == LineStatus.UNKNOWN:
            apply_transition(line, "retry_issuance", actor=WORKER, at=now, payload=payload)
        if report.state == RemoteState.ISSUE_PENDING:
            # The supplier holds the order but not the voucher yet: the delayed-voucher poll
            # asks again every VOUCHER_POLL_SECONDS (its clock is the line's updated_at).
            line.sub_status = LineSubStatus.VOUCHER_FETCH_PENDING
            line.save(update_fields=["sub_status", "updated_at"])
            return "waiting"
        if line.sub_status in DELAYED_SUB_STATUSES:
            line.sub_status = LineSubStatus.VENDOR_ORDER_PENDING
        line.save(update_fields=["sub_status", "updated_at"])
        return "issuing"  # the supplier never got the request: send it again, same key
    apply_transition(
        line,
        "mark_failed",
        actor=WORKER,
        code="ISSUE_LOST",
        reason=report.reason or f"supplier reports {report.state}",
        payload=payload,
    )
    return "failed"


def lines_reconcile_due(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """The periodic sweep: pick up UNKNOWN lines and lines whose task seems lost."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.LINE_STALE_AFTER_SECONDS)
    due = OrderLine.objects.filter(updated_at__lt=stale).order_by("updated_at")
    unknown_or_issuing = list(
        due.filter(status__in=[LineStatus.UNKNOWN, LineStatus.ISSUING]).values_list("pk", flat=True)[:limit]
    )
    reserving = list(due.filter(status=LineStatus.RESERVING).values_list("pk", flat=True)[:limit])
    touched = unknown_or_issuing + reserving
    OrderLine.objects.filter(pk__in=touched).update(updated_at=now)
    queue.reconciliation(unknown_or_issuing)
    queue.reservation(reserving)
    return {"reconcile": len(unknown_or_issuing), "reserve": len(reserving)}


# --- outcomes shared by the steps ------------------------------------------------------------


def _touch(line_ids: list[int]) -> None:
    OrderLine.objects.filter(pk__in=line_ids).update(updated_at=timezone.now())


def _unknown(line: OrderLine, exc: SupplierError) -> Outcome:
    """The supplier's last call went unanswered (a timeout, or retries ran out): that call counts
    as an attempt, so the line's page never reads "Supplier attempts: 0" after one. The caller
    queues its reconciliation (_queue_follow_ups)."""
    line.supplier_attempts += 1
    apply_transition(line, "mark_unknown", actor=WORKER, reason=str(exc), payload={"reason": str(exc)})
    return "unknown"


def _failed(line: OrderLine, exc: SupplierError) -> Outcome:
    line.supplier_attempts += 1  # the refusing call
    apply_transition(
        line,
        "mark_failed",
        actor=WORKER,
        code=exc.code,
        reason=str(exc),
        payload={"code": exc.code, "reason": str(exc)},
    )
    return "failed"


def _retry_later(line: OrderLine, exc: SupplierError, attempt: int, when: datetime) -> Outcome:
    """Count a retryable failure on the line and say when it is tried again (the caller queues it)."""
    OrderLine.objects.filter(pk=line.pk).update(
        supplier_attempts=F("supplier_attempts") + 1, updated_at=timezone.now()
    )
    events.line_retry_scheduled(line, attempt=attempt, code=exc.code, reason=str(exc), next_attempt_at=when)
    return "retry"


# --- the order follows its lines -------------------------------------------------------------


# The events of a line reaching RESERVED; the one that completes the order's lines makes it reserved.
LINE_BECAME_RESERVED = frozenset({EventType.LINE_RESERVED, EventType.LINE_RESERVATION_CONFIRMED})


def settle_order(order: Order, lines: list[OrderLine]) -> None:
    """Move a locked order to the status its locked lines call for (DESIGN.md §3)."""
    if order.status == OrderStatus.PENDING:
        failed = [line for line in lines if line.status == LineStatus.FAILED]
        if failed:
            apply_transition(
                order,
                "fail_reservation",
                actor=WORKER,
                payload={"lines": [line.position for line in failed], "reason": failed[0].failure_reason},
            )
            release_lines(lines, actor=WORKER)
            order_ended_unpaid.send(sender=Order, order=order, actor=WORKER, reason="reservation failed")
        elif all(line.status == LineStatus.RESERVED for line in lines):
            if events.recorded_in_batch(order.pk, LINE_BECAME_RESERVED):
                events.order_reserved(order)
            order_reserved.send(sender=Order, order=order, lines=lines, actor=WORKER)
        return
    if order.status != OrderStatus.PROCESSING:
        return
    lines = [line for line in lines if in_version(line, order.version)]
    if any(line.status in {LineStatus.ISSUING, LineStatus.UNKNOWN} for line in lines):
        return
    issued = [line for line in lines if line.status == LineStatus.ISSUED]
    failed = [line for line in lines if line.status == LineStatus.FAILED]
    # After an amendment only the lines it added were issuing: earlier failures were settled.
    failed = [line for line in failed if line.added_in_version == order.version]
    if not failed:
        apply_transition(order, "fulfill", actor=WORKER)
        return
    queue.returns(lines_to_return_after_failed_exchanges(failed))
    name = "fulfill_partially" if issued else "fail_issuance"
    apply_transition(
        order,
        name,
        actor=WORKER,
        payload={"issued": [line.position for line in issued], "failed": [line.position for line in failed]},
    )
    lines_undelivered.send(sender=Order, order=order, lines=failed, actor=WORKER)
