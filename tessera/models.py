"""The worker's own bookkeeping: liveness of worker processes and the periodic schedule."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A db_worker process says it is alive; tasks it left RUNNING after dying are recovered."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class PeriodicSchedule(models.Model):
    """When a periodic task is next due; claimed with a conditional UPDATE so one worker wins."""

    task_path = models.CharField(max_length=200, primary_key=True)
    interval_seconds = models.FloatField()
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.task_path
