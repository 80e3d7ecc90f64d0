"""Periodic work that runs by itself wherever a worker runs.

Each periodic task has a row holding when it is next due. Every worker's housekeeping loop tries
to claim due rows with a conditional UPDATE; only the worker whose UPDATE matched enqueues the
task, so any number of workers enqueue each run once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tessera.models import PeriodicSchedule

logger = logging.getLogger(__name__)


def ensure_schedule() -> None:
    now = timezone.now()
    for task_path, interval in settings.PERIODIC_TASKS.items():
        try:
            with transaction.atomic():
                PeriodicSchedule.objects.get_or_create(
                    task_path=task_path,
                    defaults={"interval_seconds": interval, "next_run_at": now},
                )
        except IntegrityError:
            pass  # another worker created it first
    PeriodicSchedule.objects.exclude(task_path__in=list(settings.PERIODIC_TASKS)).delete()


def enqueue_due() -> list[str]:
    """Enqueue every periodic task that is due and that this process claimed."""
    enqueued = []
    now = timezone.now()
    for task_path, interval in settings.PERIODIC_TASKS.items():
        with transaction.atomic():
            claimed = PeriodicSchedule.objects.filter(task_path=task_path, next_run_at__lte=now).update(
                next_run_at=now + timedelta(seconds=interval),
                interval_seconds=interval,
                last_enqueued_at=now,
            )
            if claimed:
                import_string(task_path).enqueue()
                enqueued.append(task_path)
    if enqueued:
        logger.info("periodic tasks enqueued: %s", ", ".join(enqueued))
    return enqueued
