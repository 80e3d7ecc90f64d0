"""An idle worker wakes when a task is queued, not at its next poll (PostgreSQL's LISTEN/NOTIFY).

The trigger of migration tessera 0002 notifies at the commit that queued the task; a rolled-back
enqueue wakes nobody. SQLite has no NOTIFY, so these run on PostgreSQL only.
"""

import time

import pytest
from django.db import transaction

from tessera.background.enqueue import enqueue_after_commit
from tessera.background.wakeup import Wakeup

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

TASK = "tessera.tasks.prune_task_results"


@pytest.fixture
def wakeup():
    waiting = Wakeup()
    waiting.wait(0.01)  # LISTEN from now on, as a worker does from its first idle round
    yield waiting
    waiting.close()


def seconds_waited(wakeup: Wakeup, timeout: float) -> float:
    started = time.monotonic()
    wakeup.wait(timeout)
    return time.monotonic() - started


def test_a_committed_task_wakes_the_waiting_worker_at_once(wakeup):
    # Given an idle worker listening, When a task is queued and its transaction commits
    with transaction.atomic():
        enqueue_after_commit(TASK, [{}], with_correlation=False)

    # Then its wait ends at once instead of after the poll interval
    assert seconds_waited(wakeup, timeout=10) < 1


def test_a_rolled_back_enqueue_wakes_nobody(wakeup):
    # Given an idle worker listening, When a transaction that queued a task rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit(TASK, [{}], with_correlation=False)
        raise RuntimeError("undo")

    # Then the worker waits the whole interval, as nothing was queued
    assert seconds_waited(wakeup, timeout=0.5) >= 0.45


def test_a_worker_whose_listening_connection_breaks_falls_back_to_polling(wakeup):
    # Given an idle worker whose listening connection was closed under it
    wakeup._listener.close()

    # When it waits, Then it listens again on a new connection and wakes on the next task
    wakeup.wait(0.01)
    enqueue_after_commit(TASK, [{}], with_correlation=False)
    assert seconds_waited(wakeup, timeout=10) < 1
