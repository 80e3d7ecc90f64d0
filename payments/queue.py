"""Starting background work for refunds, always after the transaction that asked for it commits
(tessera.background.enqueue).

Each task carries the correlation id in force, so the worker's audit events join the request's.
"""

from collections.abc import Iterable
from datetime import datetime

from tessera.background.enqueue import enqueue_after_commit


def _enqueue_after_commit(
    task_name: str, refund_ids: Iterable, *, run_after: datetime | None = None, **kwargs
) -> None:
    calls = [{"refund_id": str(refund_id), **kwargs} for refund_id in refund_ids]
    enqueue_after_commit(f"payments.tasks.{task_name}", calls, run_after=run_after)


def refund_processing(refund_ids: Iterable, *, attempt: int = 1, run_after: datetime | None = None) -> None:
    """Ask the supplier to take the refund's lines back, then return the money."""
    _enqueue_after_commit("process_refund", refund_ids, run_after=run_after, attempt=attempt)


def refund_submission(refund_ids: Iterable, *, attempt: int = 1, run_after: datetime | None = None) -> None:
    """Send a gateway refund to the payment provider."""
    _enqueue_after_commit("submit_refund", refund_ids, run_after=run_after, attempt=attempt)


def refund_check(refund_ids: Iterable) -> None:
    """Ask the payment provider how a refund it holds ended."""
    _enqueue_after_commit("check_refund", refund_ids)


def payment_session_cancellation(payment_id, *, attempt: int = 1, run_after: datetime | None = None) -> None:
    """Cancel a given-up gateway payment's session at its provider."""
    call = {"payment_id": str(payment_id), "attempt": attempt}
    enqueue_after_commit("payments.tasks.cancel_payment_session", [call], run_after=run_after)
