"""tessera.background.enqueue: tasks are queued once their transaction commits, never before, never
after a rollback, each carrying the correlation id in force when it was asked for."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tessera import correlation
from tessera.background.enqueue import enqueue_after_commit

TASK = "payments.tasks.cancel_payment_session"


def test_a_task_is_queued_only_when_its_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), correlation.bound("corr-commit-1"):
        enqueue_after_commit(TASK, [{"payment_id": "p-1", "attempt": 2}])
        assert not DBTaskResult.objects.exists()

    queued = DBTaskResult.objects.get()
    assert queued.task_path == TASK
    assert queued.args_kwargs["kwargs"] == {
        "payment_id": "p-1",
        "attempt": 2,
        "correlation_id": "corr-commit-1",
    }


def test_nothing_is_queued_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_after_commit(TASK, [{"payment_id": "p-2"}])
            raise RuntimeError("rolled back")

    assert callbacks == []
    assert not DBTaskResult.objects.exists()


def test_one_task_per_call_held_until_run_after(db, django_capture_on_commit_callbacks):
    later = datetime(2031, 1, 2, 3, 4, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(TASK, [{"payment_id": "a"}, {"payment_id": "b"}], run_after=later)

    assert sorted(DBTaskResult.objects.values_list("args_kwargs__kwargs__payment_id", flat=True)) == [
        "a",
        "b",
    ]
    assert set(DBTaskResult.objects.values_list("run_after", flat=True)) == {later}


def test_a_delay_counts_from_the_commit_and_without_correlation_none_is_added(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_after_commit(TASK, [{"payment_id": "c"}], delay=timedelta(minutes=5), with_correlation=False)
    committed_at = datetime.now(UTC)
    callbacks[0]()

    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["kwargs"] == {"payment_id": "c"}
    assert queued.run_after >= committed_at + timedelta(minutes=5)


def test_no_calls_register_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_after_commit(TASK, [])

    assert callbacks == []
