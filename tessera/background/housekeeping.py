"""The loop each worker runs beside its tasks: heartbeat, recovery, periodic schedule."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from tessera.background import recovery, schedule

logger = logging.getLogger(__name__)


class Housekeeper(threading.Thread):
    def __init__(self, worker_id: str) -> None:
        super().__init__(name=f"housekeeper-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.scheduled = False

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.tick()
                self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS)
            recovery.forget(self.worker_id)
        finally:
            connection.close()

    def tick(self) -> None:
        """One round; the schedule's rows are written in the first round the database answers,
        so a worker started while the database is down starts beating once it is back."""
        close_old_connections()
        try:
            if not self.scheduled:
                schedule.ensure_schedule()
                self.scheduled = True
            recovery.beat(self.worker_id, self.started_at)
            recovered = recovery.recover_stuck_tasks()
            if recovered:
                logger.warning("re-enqueued %d task(s) left RUNNING by dead workers", recovered)
            schedule.enqueue_due()
        except Exception:
            # A database hiccup must not kill the housekeeper; the next tick tries again.
            logger.exception("worker housekeeping failed; retrying in %ss", settings.WORKER_HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self.stopping.set()
