"""Starting background work for lines, always after the transaction that asked for it commits.

Each task carries the correlation id in force, so the worker's audit events join the request's.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from tessera import correlation


def _enqueue_after_commit(
    task_name: str, line_ids: Iterable[int], *, run_after: datetime | None = None, **kwargs
) -> None:
    ids = list(line_ids)
    if not ids:
        return
    correlation_id = correlation.current()

    def enqueue() -> None:
        from orders import tasks

        task = getattr(tasks, task_name)
        if run_after is not None:
            task = task.using(run_after=run_after)
        for line_id in ids:
            task.enqueue(line_id=line_id, correlation_id=correlation_id, **kwargs)

    transaction.on_commit(enqueue)


def reservation(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("reserve_line", line_ids, run_after=run_after, attempt=attempt)


def issuance(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("issue_line", line_ids, run_after=run_after, attempt=attempt)


def release(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("release_line", line_ids, run_after=run_after, attempt=attempt)


def reconciliation(line_ids: Iterable[int], *, attempt: int = 1, run_after: datetime | None = None) -> None:
    _enqueue_after_commit("reconcile_line", line_ids, run_after=run_after, attempt=attempt)
