"""Starting background work once the transaction that asked for it commits: the one way to enqueue.

A task queued inside a transaction that then rolls back would act on rows that never existed; a
task queued before the commit could run before its rows are visible. So every service queues its
tasks through ``enqueue_after_commit``, which waits for the commit (at once outside a
transaction), and the tasks are named by path, so a services module never imports its tasks
module (which imports the services).
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tessera import correlation

# The queue's claim order is priority, then run_after, and a task queued without run_after sorts
# after every due one (django-tasks-db gives it the largest date). So held tasks (retries, calls
# waiting for a supplier's bulkhead slot or breaker) would run before any new work, and a backlog
# of them cycling through a full bulkhead starves every other partner's new orders. Held tasks
# therefore go one priority below new work: new work first, then held tasks as they fall due.
HELD_PRIORITY = -1


def enqueue_after_commit(
    task_path: str,
    calls: Iterable[Mapping],
    *,
    run_after: datetime | None = None,
    delay: timedelta | None = None,
    with_correlation: bool = True,
) -> None:
    """Queue the task ``task_path`` ("app.tasks.name") once per keyword arguments in ``calls``.

    ``run_after`` holds the tasks until then; ``delay`` holds them that long from the commit. Held
    tasks run after new work that is ready (``HELD_PRIORITY``).
    With ``with_correlation`` each task carries the correlation id in force now (its
    ``correlation_id`` argument), so the worker's audit events and logs join the request's.
    Nothing is registered when ``calls`` is empty.
    """
    arguments = [dict(call) for call in calls]
    if not arguments:
        return
    if with_correlation:
        correlation_id = correlation.current()
        for call in arguments:
            call["correlation_id"] = correlation_id

    def enqueue() -> None:
        task = import_string(task_path)
        when = timezone.now() + delay if delay is not None else run_after
        if when is not None:
            task = task.using(run_after=when, priority=HELD_PRIORITY)
        for call in arguments:
            task.enqueue(**call)

    transaction.on_commit(enqueue)
