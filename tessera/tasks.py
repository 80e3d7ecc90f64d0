from django.conf import settings
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tessera.background import queue_vacuum


@task()
def prune_task_results() -> int:
    """Delete finished task results older than TASK_RESULT_RETENTION."""
    cutoff = timezone.now() - settings.TASK_RESULT_RETENTION
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


@task()
def vacuum_queue_tables() -> list[str]:
    """Vacuum the task queue's tables once dead rows gather (tessera.background.queue_vacuum)."""
    return queue_vacuum.vacuum_queue_tables()
