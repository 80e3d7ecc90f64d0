"""An idle worker wakes when a task is queued, not at its next poll (PostgreSQL).

Idle workers look for ready tasks every ``--interval`` seconds, so each hop of an order (create →
reserve → issue → notify) could wait up to that long for a worker to notice it. On PostgreSQL a
trigger on the task table (migration tessera 0002) sends ``NOTIFY tessera_tasks`` when tasks are
inserted; PostgreSQL delivers it when the inserting transaction commits, once per transaction.
An idle worker waits on ``LISTEN tessera_tasks`` on a connection of its own, for at most the
interval, instead of sleeping: a queued task starts within milliseconds, and tasks held with
``run_after`` are still found by the interval's poll. On SQLite, or when the listening connection
fails, the worker sleeps the interval as before.
"""

import logging
import threading

import psycopg
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "tessera_tasks"


class Wakeup:
    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._listener: psycopg.Connection | None = None

    def wait(self, timeout: float) -> None:
        """Return when a task was queued since the last wait, or after ``timeout`` seconds."""
        if connections[self.alias].vendor != "postgresql":
            threading.Event().wait(timeout)  # returns promptly when a signal's handler runs
            return
        try:
            listener = self._listening()
            for _ in listener.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.Error as exc:
            logger.warning("cannot listen for queued tasks (%s); polling every %ss", exc, timeout)
            self.close()
            threading.Event().wait(timeout)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _listening(self) -> psycopg.Connection:
        if self._listener is None or self._listener.closed:
            params = connections[self.alias].get_connection_params()
            self._listener = psycopg.connect(**params, autocommit=True)
            self._listener.execute(f"LISTEN {CHANNEL}")
        return self._listener
