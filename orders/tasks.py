"""Background work for orders. Thin: each task binds the correlation id and calls a service.

Every task is idempotent (see orders.services.fulfilment), so a retry, a duplicate, or a re-run
after a killed worker never reserves, issues or debits twice.
"""

from django.tasks import task

from orders import queue
from orders.services import cancellation, delayed_delivery, fulfilment
from orders.services.idempotency import idempotency_prune
from tessera import correlation

FAN_OUT_TASKS = frozenset({"reserve_line", "issue_line", "release_line", "reconcile_line"})


@task()
def fan_out(task_name: str, line_ids: list[int], arguments: dict, correlation_id: str | None = None) -> int:
    if task_name not in FAN_OUT_TASKS:
        raise ValueError(f"{task_name!r} is not a line task")
    with correlation.bound(correlation_id):
        return queue.fan_out(task_name, line_ids, arguments)


@task()
def reserve_line(line_id: int, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.line_reserve(line_id=line_id, attempt=attempt)


@task()
def reserve_booking(line_ids: list[int], attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.booking_reserve(line_ids=line_ids, attempt=attempt)


@task()
def issue_booking(line_ids: list[int], attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.booking_issue(line_ids=line_ids, attempt=attempt)


@task()
def issue_line(line_id: int, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.line_issue(line_id=line_id, attempt=attempt)


@task()
def release_booking(line_ids: list[int], attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.booking_release(line_ids=line_ids, attempt=attempt)


@task()
def reconcile_booking(line_ids: list[int], attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.booking_reconcile(line_ids=line_ids, attempt=attempt)


@task()
def release_line(line_id: int, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.line_release_at_supplier(line_id=line_id, attempt=attempt)


@task()
def reconcile_line(line_id: int, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return fulfilment.line_reconcile(line_id=line_id, attempt=attempt)


@task()
def expire_orders() -> int:
    with correlation.bound(None):
        return cancellation.orders_expire_due()


@task()
def reconcile_lines() -> dict[str, int]:
    with correlation.bound(None):
        return fulfilment.lines_reconcile_due()


@task()
def poll_delayed_vouchers() -> int:
    with correlation.bound(None):
        return delayed_delivery.delayed_vouchers_poll()


@task()
def prune_idempotency_records() -> int:
    """Forget Idempotency-Keys older than their retention (48 hours)."""
    return idempotency_prune()
