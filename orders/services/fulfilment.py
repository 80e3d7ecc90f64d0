"""The worker's side of the lifecycle: reserving, issuing, releasing and reconciling lines.

Each use case follows one shape, so a crash at any point is safe to run again:

1. read the line without a lock and leave if it no longer waits for this step;
2. call the supplier with the line's idempotency key for the step, holding no lock, so a slow
   supplier blocks nobody (a repeated call with the same key does the thing once);
3. lock the order and its lines, check the line is still where step 1 saw it, apply the outcome
   through a transition, and settle the order's status from its lines.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders import events, queue
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
    IssueState,
    PermanentSupplierError,
    RemoteState,
    SupplierError,
    SupplierTimeout,
)
from tessera.actors import WORKER
from tessera.background.retries import attempts_left, retry_at

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
Outcome = str


def _load(line_id: int) -> OrderLine | None:
    # order_by(): the lines' default ordering (by their order's creation) would join the orders.
    return OrderLine.objects.select_related("product", "supplier").filter(pk=line_id).order_by().first()


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
    line = _load(line_id)
    if line is None or line.status != LineStatus.RESERVING:
        return "skipped"
    try:
        reservation = adapter_for_line(line).reserve(line, idempotency_key=line.supplier_key("reserve"))
    except SupplierTimeout as exc:
        return _mark_unknown(line, LineStatus.RESERVING, exc)
    except PermanentSupplierError as exc:
        return _mark_failed(line, LineStatus.RESERVING, exc)
    except SupplierError as exc:
        return _retry(line, LineStatus.RESERVING, exc, attempt, queue.reservation)

    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status == LineStatus.RESERVING:
            apply_transition(line, "mark_reserved", actor=WORKER, reservation_ref=reservation.reference)
            return "reserved"
        if line.status == LineStatus.RELEASED:
            # The order ended while the supplier was reserving: give the reservation back.
            queue.release([line.pk])
            return "released"
        return "stale"

    return _under_lock(line, apply)


# --- issue ---------------------------------------------------------------------------------


def line_issue(*, line_id: int, attempt: int = 1) -> Outcome:
    line = _load(line_id)
    if line is None or line.status != LineStatus.ISSUING or line.sub_status in DELAYED_SUB_STATUSES:
        return "skipped"  # a line the supplier accepted for later delivery waits for the poll
    try:
        issuance = adapter_for_line(line).issue(line, idempotency_key=line.supplier_key("issue"))
    except SupplierTimeout as exc:
        return _mark_unknown(line, LineStatus.ISSUING, exc)
    except PermanentSupplierError as exc:
        return _mark_failed(line, LineStatus.ISSUING, exc)
    except SupplierError as exc:
        return _retry(line, LineStatus.ISSUING, exc, attempt, queue.issuance)
    if issuance.state == IssueState.PENDING:
        return _under_lock(line, _accepted(issuance.booking_reference))
    return _under_lock(line, _deliver(issuance.booking_reference, issuance.items))


def _accepted(booking_ref: str) -> Callable[[Order, OrderLine], Outcome]:
    """Delayed delivery: the supplier took the order and releases the voucher later. The first
    fetch comes soon; after that the delayed-voucher poll (orders.services.delayed_delivery) asks."""

    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status != LineStatus.ISSUING:
            return "stale"
        line.sub_status = LineSubStatus.VENDOR_ORDER_CREATED
        line.save(update_fields=["sub_status", "updated_at"])
        events.line_issuance_accepted(line, booking_ref=booking_ref)
        queue.reconciliation([line.pk], run_after=retry_at(1))
        return "accepted"

    return apply


def _deliver(booking_ref: str, items: list[DeliveredItem]) -> Callable[[Order, OrderLine], Outcome]:
    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.phase != LinePhase.ISSUE or line.status not in {LineStatus.ISSUING, LineStatus.UNKNOWN}:
            return "stale"
        if items:
            voucher_store(line=line, item=items[0])
        apply_transition(
            line,
            "mark_issued",
            actor=WORKER,
            booking_ref=booking_ref,
            payload={"bookingReference": booking_ref, "items": len(items)},
        )
        return "issued"

    return apply


# --- release -------------------------------------------------------------------------------


def line_release_at_supplier(*, line_id: int, attempt: int = 1) -> Outcome:
    """Tell the supplier a RELEASED line's reservation is no longer wanted."""
    line = _load(line_id)
    if line is None or line.status != LineStatus.RELEASED:
        return "skipped"
    try:
        adapter_for_line(line).cancel(line, idempotency_key=line.supplier_key("cancel"))
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
    try:
        report = adapter_for_line(line).status(line, idempotency_key=line.supplier_key(line.phase))
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


def _mark_unknown(seen: OrderLine, expected: str, exc: SupplierError) -> Outcome:
    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status != expected:
            return "stale"
        apply_transition(line, "mark_unknown", actor=WORKER, reason=str(exc), payload={"reason": str(exc)})
        queue.reconciliation([line.pk], run_after=retry_at(1))
        return "unknown"

    return _under_lock(seen, apply)


def _mark_failed(seen: OrderLine, expected: str, exc: SupplierError) -> Outcome:
    def apply(order: Order, line: OrderLine) -> Outcome:
        if line.status != expected:
            return "stale"
        apply_transition(
            line,
            "mark_failed",
            actor=WORKER,
            code=exc.code,
            reason=str(exc),
            payload={"code": exc.code, "reason": str(exc)},
        )
        return "failed"

    return _under_lock(seen, apply)


def _retry(line: OrderLine, expected: str, exc: SupplierError, attempt: int, requeue) -> Outcome:
    if not attempts_left(attempt):
        return _mark_unknown(line, expected, SupplierError(f"gave up after {attempt} attempts: {exc}"))
    when = retry_at(attempt)
    OrderLine.objects.filter(pk=line.pk).update(
        supplier_attempts=F("supplier_attempts") + 1, updated_at=timezone.now()
    )
    events.line_retry_scheduled(line, attempt=attempt, code=exc.code, reason=str(exc), next_attempt_at=when)
    requeue([line.pk], attempt=attempt + 1, run_after=when)
    return "retry"


# --- the order follows its lines -------------------------------------------------------------


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
