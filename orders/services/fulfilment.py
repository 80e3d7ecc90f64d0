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
from orders.bookings import booking_line, booking_of, group_into_bookings
from orders.events import apply_transition, batched
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine
from orders.services.cancellation import release_lines
from orders.signals import lines_undelivered
from orders.statuses import DELAYED_SUB_STATUSES, LinePhase, LineStatus, LineSubStatus, OrderStatus
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
from suppliers.calls import supplier_call
from suppliers.models import StockSource
from tessera.actors import WORKER
from tessera.background.retries import attempts_left, retry_at
from tessera.event_types import EventType

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
Outcome = str


def _load(line_id: int) -> OrderLine | None:
    # order_by(): the lines' default ordering (by their order's creation) would join the orders.
    lines = OrderLine.objects.select_related("product", "supplier", "order", "traveller")
    return lines.filter(pk=line_id).order_by().first()


def _under_lock(seen: OrderLine, apply: Callable[[Order, OrderLine], Outcome]) -> Outcome:
    """Lock the order of a line read earlier (``seen``) and all its lines (in lock order), apply
    to the locked line, then settle the order. A line never changes order, so ``seen`` names it."""
    with transaction.atomic(), batched():
        order = lock_order(seen.order_id)
        lines = lock_lines(order)
        line = next(candidate for candidate in lines if candidate.pk == seen.pk)
        outcome = apply(order, line)
        settle_order(order, lines)
        return outcome


# --- reserve -------------------------------------------------------------------------------


def line_reserve(*, line_id: int, attempt: int = 1) -> Outcome:
    return booking_reserve(line_ids=[line_id], attempt=attempt)


def booking_reserve(*, line_ids: list[int], attempt: int = 1) -> Outcome:
    """Reserve waiting lines: one supplier call per order and supplier (orders.bookings)."""
    lines = _load_waiting(line_ids, lambda line: line.status == LineStatus.RESERVING)
    if not lines:
        return "skipped"
    groups = group_into_bookings(lines)
    if len(groups) > 1:  # each booking runs, retries and fails alone
        for group in groups:
            queue.reservation([line.pk for line in group], attempt=attempt)
        return "split"
    adapter = adapter_for_line(lines[0])
    try:
        results = _ask_supplier(lines, adapter, lambda: adapter.reserve_booking(booking_of(lines, "reserve")))
    except CallDeferred as deferred:
        return _wait(lines, deferred, attempt, queue.reservation)

    def apply(order: Order, line: OrderLine, reservation) -> Outcome:
        if line.status == LineStatus.RESERVING:
            line.supplier_attempts += 1
            apply_transition(line, "mark_reserved", actor=WORKER, reservation_ref=reservation.reference)
            return "reserved"
        if line.status == LineStatus.RELEASED:
            # The order ended while the supplier was reserving: give the reservation back.
            queue.release([line.pk])
            return "released"
        return "stale"

    return _settle_booking(lines, results, LineStatus.RESERVING, apply, attempt, queue.reservation)


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
    groups = group_into_bookings(lines)
    if len(groups) > 1:
        for group in groups:
            queue.issuance([line.pk for line in group], attempt=attempt)
        return "split"
    adapter = adapter_for_line(lines[0])
    try:
        results = _ask_supplier(lines, adapter, lambda: adapter.issue_booking(booking_of(lines, "issue")))
    except CallDeferred as deferred:
        return _wait(lines, deferred, attempt, queue.issuance)

    def apply(order: Order, line: OrderLine, issuance: Issuance) -> Outcome:
        if issuance.state == IssueState.PENDING:
            return _accepted(issuance.booking_reference)(order, line)
        return _deliver(issuance.booking_reference, issuance.items, attempted=True)(order, line)

    return _settle_booking(lines, results, LineStatus.ISSUING, apply, attempt, queue.issuance)


def _accepted(booking_ref: str) -> Callable[[Order, OrderLine], Outcome]:
    """Delayed delivery: the supplier took the order and releases the voucher later. The first
    fetch comes soon; after that the delayed-voucher poll (orders.services.delayed_delivery) asks."""

    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status != LineStatus.ISSUING:
            return "stale"
        line.sub_status = LineSubStatus.VENDOR_ORDER_CREATED
        line.supplier_attempts += 1
        line.save(update_fields=["sub_status", "supplier_attempts", "updated_at"])
        events.line_issuance_accepted(line, booking_ref=booking_ref)
        queue.reconciliation([line.pk], run_after=retry_at(1))
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
        return "issued"

    return apply


# --- one booking's answers, line by line ---------------------------------------------------


def _load_waiting(line_ids: list[int], waiting: Callable[[OrderLine], bool]) -> list[OrderLine]:
    # order_by(): the lines' default ordering (by their order's creation) would join the orders.
    lines = OrderLine.objects.select_related("product", "supplier", "order", "traveller")
    return [line for line in lines.filter(pk__in=line_ids).order_by("pk") if waiting(line)]


def _ask_supplier(lines: list[OrderLine], adapter, call: Callable[[], dict]) -> dict:
    """The booking's answers, the call sent through the supplier's breaker and bulkhead
    (suppliers.calls; Tessera's own stock needs neither). Raises CallDeferred."""
    if lines[0].product.stock_source == StockSource.INVENTORY:
        return _per_line(lines, call)
    return supplier_call(
        lines[0].supplier,
        lambda: _per_line(lines, call),
        healthy=lambda answers: not all(_supplier_unwell(answer) for answer in answers.values()),
        failure_reason=lambda answers: str(next(iter(answers.values()))),
        remote=getattr(adapter, "remote", False),
    )


def _ask_supplier_for_line(line: OrderLine, adapter, call: Callable[[], object]):
    """One line's call (status, cancel) through the breaker and bulkhead; raises what the
    adapter raised, or CallDeferred."""
    if line.product.stock_source == StockSource.INVENTORY:
        return call()

    def answer_or_error():
        try:
            return call()
        except SupplierError as exc:
            return exc

    answer = supplier_call(
        line.supplier,
        answer_or_error,
        healthy=lambda answer: not _supplier_unwell(answer),
        failure_reason=str,
        remote=getattr(adapter, "remote", False),
    )
    if isinstance(answer, SupplierError):
        raise answer
    return answer


def _supplier_unwell(answer) -> bool:
    """A timeout, or a busy or unreachable supplier; a refusal is an answer."""
    return isinstance(answer, SupplierError) and not isinstance(answer, PermanentSupplierError)


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


def _per_line(lines: list[OrderLine], call: Callable[[], dict]) -> dict:
    """The supplier's answer for each line; an error of the whole call is every line's error,
    and a line the answer leaves out is one whose outcome is unknown."""
    try:
        answers = call()
    except SupplierError as exc:
        return {line.pk: exc for line in lines}
    missing = SupplierTimeout("The supplier's answer left this line out.")
    return {line.pk: answers.get(line.pk, missing) for line in lines}


def _settle_booking(seen: list[OrderLine], results: dict, expected: str, apply, attempt: int, requeue):
    """Apply each line's answer under one lock of the order: success through ``apply``, a
    timeout makes the line UNKNOWN, a refusal FAILED, a retryable error retries the line."""
    seen_by_pk = {line.pk: line for line in seen}

    def apply_all(order: Order, lines: list[OrderLine]) -> list[Outcome]:
        outcomes = []
        retry: list[OrderLine] = []
        when = max([retry_at(attempt), *_asked_to_wait(results.values())])
        for line in lines:
            if line.pk not in results:
                continue
            answer = results[line.pk]
            if not isinstance(answer, SupplierError):
                outcomes.append(apply(order, line, answer))
            elif line.status != expected:
                outcomes.append("stale")
            elif isinstance(answer, SupplierTimeout):
                outcomes.append(_unknown(line, answer))
            elif isinstance(answer, PermanentSupplierError):
                outcomes.append(_failed(line, answer))
            elif not attempts_left(attempt):
                outcomes.append(_unknown(line, SupplierError(f"gave up after {attempt} attempts: {answer}")))
            else:
                retry.append(line)
                outcomes.append(_retry_later(seen_by_pk[line.pk], answer, attempt, when))
        if retry:
            requeue([line.pk for line in retry], attempt=attempt + 1, run_after=when)
        return outcomes

    with transaction.atomic(), batched():
        order = lock_order(seen[0].order_id)
        lines = lock_lines(order)
        outcomes = apply_all(order, lines)
        settle_order(order, lines)
    return _summary(outcomes)


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
    """Tell the supplier a RELEASED line's reservation is no longer wanted."""
    line = _load(line_id)
    if line is None or line.status != LineStatus.RELEASED:
        return "skipped"
    adapter = adapter_for_line(line)
    try:
        _ask_supplier_for_line(
            line,
            adapter,
            lambda: adapter.cancel(booking_line(line), idempotency_key=line.supplier_key("cancel")),
        )
    except CallDeferred as deferred:
        queue.release([line_id], attempt=attempt, run_after=deferred.until)
        return "waiting"
    except PermanentSupplierError as exc:
        events.line_release_refused(line, code=exc.code, reason=str(exc))
        return "refused"
    except SupplierError as exc:
        if attempts_left(attempt):
            queue.release([line_id], attempt=attempt + 1, run_after=retry_at(attempt))
            return "retry"
        logger.error("giving up releasing line %s at the supplier: %s", line_id, exc)
        return "gave_up"
    events.line_release_confirmed(line)
    return "released"


# --- reconcile -----------------------------------------------------------------------------


def line_reconcile(*, line_id: int, attempt: int = 1) -> Outcome:
    """Ask the supplier what really happened to an UNKNOWN line, or to a delayed issuance."""
    line = _load(line_id)
    if line is None or line.status not in {LineStatus.UNKNOWN, LineStatus.ISSUING}:
        return "skipped"
    adapter = adapter_for_line(line)
    try:
        report = _ask_supplier_for_line(
            line,
            adapter,
            lambda: adapter.status(booking_line(line), idempotency_key=line.supplier_key(line.phase)),
        )
    except CallDeferred as deferred:
        _touch(line_id)
        queue.reconciliation([line_id], attempt=attempt, run_after=deferred.until)
        return "waiting"
    except SupplierError as exc:
        logger.warning("status of line %s failed (%s); trying again later", line_id, exc)
        _touch(line_id)
        if attempts_left(attempt):
            queue.reconciliation([line_id], attempt=attempt + 1, run_after=retry_at(attempt))
        return "retry"
    seen = line.status

    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status != seen:
            return "stale"
        payload = {"supplierState": report.state}
        if line.phase == LinePhase.RESERVE:
            return _resolve_reservation(line, report, payload)
        return _resolve_issuance(order, line, report, payload)

    return _under_lock(line, apply)


def _resolve_reservation(line: OrderLine, report, payload: dict) -> Outcome:
    now = timezone.now()
    if report.state == RemoteState.RESERVED:
        apply_transition(
            line, "resolve_reserved", actor=WORKER, reservation_ref=report.reference, payload=payload
        )
        return "reserved"
    if report.state == RemoteState.NOT_FOUND:
        apply_transition(line, "retry_reservation", actor=WORKER, at=now, payload=payload)
        queue.reservation([line.pk])
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
        queue.issuance([line.pk])  # the supplier never got the request: send it again, same key
        return "issuing"
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


def _touch(line_id: int) -> None:
    OrderLine.objects.filter(pk=line_id).update(updated_at=timezone.now())


def _unknown(line: OrderLine, exc: SupplierError) -> Outcome:
    """The supplier's last call went unanswered (a timeout, or retries ran out): that call counts
    as an attempt, so the line's page never reads "Supplier attempts: 0" after one."""
    line.supplier_attempts += 1
    apply_transition(line, "mark_unknown", actor=WORKER, reason=str(exc), payload={"reason": str(exc)})
    queue.reconciliation([line.pk], run_after=retry_at(1))
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
        elif all(line.status == LineStatus.RESERVED for line in lines) and events.recorded_in_batch(
            order.pk, LINE_BECAME_RESERVED
        ):
            events.order_reserved(order)
        return
    if order.status != OrderStatus.PROCESSING:
        return
    if any(line.status in {LineStatus.ISSUING, LineStatus.UNKNOWN} for line in lines):
        return
    issued = [line for line in lines if line.status == LineStatus.ISSUED]
    failed = [line for line in lines if line.status == LineStatus.FAILED]
    if not failed:
        apply_transition(order, "fulfill", actor=WORKER)
        return
    name = "fulfill_partially" if issued else "fail_issuance"
    apply_transition(
        order,
        name,
        actor=WORKER,
        payload={"issued": [line.position for line in issued], "failed": [line.position for line in failed]},
    )
    lines_undelivered.send(sender=Order, order=order, lines=failed, actor=WORKER)
