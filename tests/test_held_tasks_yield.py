"""New work runs before held work: a backlog of retries and calls waiting for a full supplier
bulkhead, all due, must not starve another partner's new order (issue 16's case (a))."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tessera.background.enqueue import enqueue_after_commit

TASK = "payments.tasks.cancel_payment_session"


def test_a_new_task_is_claimed_before_held_tasks_that_are_due(db, django_capture_on_commit_callbacks):
    # Given many held tasks that fell due a while ago (waiting for a slot, retried)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(
            TASK,
            [{"payment_id": f"held-{n}"} for n in range(20)],
            run_after=timezone.now() - timedelta(seconds=5),
        )
    # When a new task is queued after them
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(TASK, [{"payment_id": "new"}])

    # Then the worker's claim (django-tasks-db's ready() in its own order) takes the new one first
    claimed = DBTaskResult.objects.ready().get_locked()
    assert claimed.args_kwargs["kwargs"]["payment_id"] == "new"


def test_held_tasks_run_in_the_order_they_fall_due(db, django_capture_on_commit_callbacks):
    # Given two held tasks, the later-queued one due earlier
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(TASK, [{"payment_id": "due-later"}], run_after=now - timedelta(seconds=1))
        enqueue_after_commit(TASK, [{"payment_id": "due-first"}], run_after=now - timedelta(seconds=3))

    # When the worker claims, Then the one due first comes first
    assert DBTaskResult.objects.ready().get_locked().args_kwargs["kwargs"]["payment_id"] == "due-first"
