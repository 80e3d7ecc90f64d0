"""Staff help lines their supplier left hanging: send the request again, ask what happened, or fail it.

The worker retries and reconciles by itself (orders.services.fulfilment); these let a person do
it now, from the back office, through the same locks, transitions and supplier keys. A retry
sends the supplier the line's usual idempotency key, so a supplier that did act the first time
answers with what it already did: nothing is reserved or issued twice.
"""

from django.db import transaction
from django.utils import timezone

from orders import events, queue
from orders.events import apply_transition
from orders.locks import lock_lines, lock_order
from orders.models import OrderLine
from orders.services.fulfilment import settle_order
from orders.statuses import LinePhase, LineStatus
from tessera.actors import Actor
from tessera.errors import InvalidState, NotFound
from tessera.reasons import required_reason

WAITING = {LineStatus.RESERVING, LineStatus.ISSUING}


def _locked_line(line_id: int):
    order_id = OrderLine.objects.filter(pk=line_id).order_by().values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("No such order line.", line_id=line_id)
    order = lock_order(order_id)
    lines = lock_lines(order)
    return order, lines, next(line for line in lines if line.pk == line_id)


def line_retry(*, line_id: int, actor: Actor) -> str:
    """Send a line's request to its supplier again now.

    UNKNOWN lines go back to the step they were waiting on (RESERVING or ISSUING); lines still
    waiting (a retry scheduled after a busy supplier) get their task now. FAILED lines are final:
    the supplier refused, and the order's money for them goes back by itself.
    """
    with transaction.atomic():
        order, _, line = _locked_line(line_id)
        issue = line.phase == LinePhase.ISSUE
        if line.status == LineStatus.UNKNOWN:
            name = "retry_issuance" if issue else "retry_reservation"
            apply_transition(line, name, actor=actor, at=timezone.now(), payload={"asked": "staff"})
        elif line.status in WAITING:
            events.line_retry_requested(line, actor=actor)
        else:
            raise InvalidState(
                f"Line {line.position} of {order.reference} is {line.status}: only lines whose outcome is "
                "UNKNOWN, or that still wait on their supplier, can be sent again.",
                status=line.status,
            )
        (queue.issuance if issue else queue.reservation)([line.pk])
        return "issuing" if issue else "reserving"


def line_reconcile_request(*, line_id: int, actor: Actor) -> None:
    """Ask the supplier now what became of an UNKNOWN line (the reconcile task, enqueued)."""
    with transaction.atomic():
        order, _, line = _locked_line(line_id)
        if line.status != LineStatus.UNKNOWN:
            raise InvalidState(
                f"Line {line.position} of {order.reference} is {line.status}, not UNKNOWN.",
                status=line.status,
            )
        events.line_reconcile_requested(line, actor=actor)
        queue.reconciliation([line.pk])


def line_fail_by_hand(*, line_id: int, reason: str, actor: Actor) -> None:
    """Fail an UNKNOWN line the supplier confirmed lost; the order then settles as the worker's
    failures do (a partial or failed order, and the money for the line goes back)."""
    reason = required_reason(reason, missing="Say why the line failed.")
    with transaction.atomic():
        order, lines, line = _locked_line(line_id)
        if line.status != LineStatus.UNKNOWN:
            raise InvalidState(
                f"Line {line.position} of {order.reference} is {line.status}; staff fail only UNKNOWN lines.",
                status=line.status,
            )
        apply_transition(
            line,
            "mark_failed",
            actor=actor,
            code="FAILED_BY_STAFF",
            reason=reason,
            payload={"reason": reason},
        )
        settle_order(order, lines)
