"""Starting background work for refunds, always after the transaction that asked for it commits.

Each task carries the correlation id in force, so the worker's audit events join the request's.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from tessera import correlation


def _enqueue_after_commit(
    task_name: str, refund_ids: Iterable, *, run_after: datetime | None = None, **kwargs
) -> None:
    ids = [str(refund_id) for refund_id in refund_ids]
    if not ids:
        return
    correlation_id = correlation.current()

    def enqueue() -> None:
        from payments import tasks

        task = getattr(tasks, task_name)
        if run_after is not None:
            task = task.using(run_after=run_after)
        for refund_id in ids:
            task.enqueue(refund_id=refund_id, correlation_id=correlation_id, **kwargs)

    transaction.on_commit(enqueue)


def refund_processing(refund_ids: Iterable, *, attempt: int = 1, run_after: datetime | None = None) -> None:
    """Ask the supplier to take the refund's lines back, then return the money."""
    _enqueue_after_commit("process_refund", refund_ids, run_after=run_after, attempt=attempt)


def refund_submission(refund_ids: Iterable, *, attempt: int = 1, run_after: datetime | None = None) -> None:
    """Send a gateway refund to the payment provider."""
    _enqueue_after_commit("submit_refund", refund_ids, run_after=run_after, attempt=attempt)


def refund_check(refund_ids: Iterable) -> None:
    """Ask the payment provider how a refund it holds ended."""
    _enqueue_after_commit("check_refund", refund_ids)
