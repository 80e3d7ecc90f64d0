"""Recovery of tasks a killed worker left RUNNING.

django-tasks-db marks a task RUNNING when a worker claims it and never touches it again if that
worker dies (SIGKILL, OOM, lost machine). Workers here write a heartbeat; a RUNNING task whose
worker has stopped beating (or that has run far longer than any task may) is marked FAILED with
the reason and enqueued afresh. Tessera's tasks are idempotent, so running one again is safe.
"""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tessera.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

WORKER_LOST = "tessera.background.recovery.WorkerLost"


def beat(worker_id: str, started_at) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen_at": now,
        },
    )


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def live_worker_ids() -> set[str]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER_SECONDS)
    return set(WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).values_list("worker_id", flat=True))


def recover_stuck_tasks() -> int:
    """Fail and re-enqueue RUNNING tasks whose worker is gone. Returns how many."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.WORKER_DEAD_AFTER_SECONDS)
    hard_limit = now - timedelta(seconds=settings.TASK_STUCK_AFTER_SECONDS)
    alive = live_worker_ids()
    recovered = 0
    candidates = DBTaskResult.objects.running().filter(started_at__lt=grace).order_by("started_at")
    for candidate_id in candidates.values_list("id", flat=True)[:500]:
        with transaction.atomic():
            task_result = (
                DBTaskResult.objects.running()
                .select_for_update(skip_locked=True)
                .filter(pk=candidate_id)
                .first()
            )
            if task_result is None:
                continue
            owner = task_result.worker_ids[-1] if task_result.worker_ids else None
            if owner in alive and task_result.started_at >= hard_limit:
                continue
            _requeue(task_result, owner, now)
            recovered += 1
    return recovered


def recover_own_tasks(worker_id: str) -> int:
    """Fail and re-enqueue the RUNNING tasks this worker claimed: called when its loop starts
    again after losing the database, when it runs nothing, so they can only be orphans (the
    worker could not record how they ended). Returns how many."""
    now = timezone.now()
    running = DBTaskResult.objects.running().values_list("id", "worker_ids")
    recovered = 0
    for task_id in [task_id for task_id, owners in running if owners and owners[-1] == worker_id]:
        with transaction.atomic():
            task_result = (
                DBTaskResult.objects.running().select_for_update(skip_locked=True).filter(pk=task_id).first()
            )
            if task_result is not None:
                _requeue(task_result, worker_id, now)
                recovered += 1
    return recovered


def _requeue(task_result: DBTaskResult, owner: str | None, now) -> None:
    task_result.status = "FAILED"
    task_result.finished_at = now
    task_result.exception_class_path = WORKER_LOST
    task_result.traceback = f"Worker {owner or '?'} stopped while running this task; re-enqueued."
    task_result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    DBTaskResult.objects.create(
        args_kwargs=task_result.args_kwargs,
        priority=task_result.priority,
        task_path=task_result.task_path,
        queue_name=task_result.queue_name,
        backend_name=task_result.backend_name,
        run_after=get_date_max(),
    )
    logger.warning(
        "recovered task %s (%s) left RUNNING by worker %s", task_result.pk, task_result.task_path, owner
    )
