"""Starting background work for lines, always after the transaction that asked for it commits
(tessera.background.enqueue).

Each task carries the correlation id in force, so the worker's audit events join the request's.
"""

from collections.abc import Iterable
from datetime import datetime

from tessera import correlation
from tessera.background.enqueue import enqueue_after_commit

#: Line tasks whose lines go to the supplier together, one booking per order and supplier.
BOOKING_TASKS = {
    "reserve_line": "reserve_booking",
    "issue_line": "issue_booking",
    "release_line": "release_booking",
    "reconcile_line": "reconcile_booking",
}


def _enqueue_after_commit(
    task_name: str, line_ids: Iterable[int], *, run_after: datetime | None = None, **kwargs
) -> None:
    """Queue ``task_name`` for each line once the transaction commits.

    One line gets its task directly. Several lines get one task row whatever their number: a
    booking task (reserve, issue, release, reconcile), which sends the lines of one order at
    one supplier in one supplier call and splits the rest into one such task per booking; or a
    ``fan_out`` task that queues one task per line from the worker.
    """
    ids = list(line_ids)
    if len(ids) == 1:
        enqueue_after_commit(
            f"orders.tasks.{task_name}", [{"line_id": ids[0], **kwargs}], run_after=run_after
        )
    elif task_name in BOOKING_TASKS and ids:
        call = {"line_ids": ids, **kwargs}
        enqueue_after_commit(f"orders.tasks.{BOOKING_TASKS[task_name]}", [call], run_after=run_after)
    elif ids:
        call = {"task_name": task_name, "line_ids": ids, "arguments": kwargs}
        enqueue_after_commit("orders.tasks.fan_out", [call], run_after=run_after)


def fan_out(task_name: str, line_ids: list[int], arguments: dict) -> int:
    """In the worker: queue one ``task_name`` per line (each runs, retries and fails alone)."""
    from orders import tasks

    task = getattr(tasks, task_name)
    correlation_id = correlation.current()
    for line_id in line_ids:
        task.enqueue(line_id=line_id, correlation_id=correlation_id, **arguments)
    return len(line_ids)


def reservation(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("reserve_line", line_ids, run_after=run_after, attempt=attempt)


def issuance(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("issue_line", line_ids, run_after=run_after, attempt=attempt)


def release(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("release_line", line_ids, run_after=run_after, attempt=attempt)


def reconciliation(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("reconcile_line", line_ids, run_after=run_after, attempt=attempt)
