"""django-tasks-db's worker loop, running tasks on a bounded pool of threads.

django-tasks-db runs one task at a time per process, so a supplier call that takes 30 seconds
holds the whole process for 30 seconds. Here the process's main thread claims a READY task
(the same claim query and row lock as django-tasks-db) whenever a thread of the pool is free,
and hands it over; a task waiting on a supplier occupies one thread, not the process. Each
thread has its own database connection (Django's are per thread); supplier adapters that talk
over the network give it back while they wait (``tessera.background.connections``), so a
hundred calls in flight do not hold a hundred PostgreSQL connections. Only the first
``WORKER_DB_CONNECTIONS`` threads of the pool keep their connection, between tasks and during
network waits; the others close it, so a busy pool never holds more than that many idle
connections.

A claimed task is RUNNING under this worker's id until its thread records the outcome, as
before: a worker killed with tasks in flight leaves them RUNNING, and the heartbeat's recovery
enqueues them again (``tessera.background.recovery``).
"""

import itertools
import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

from django.conf import settings
from django.db import OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from tessera.background.connections import keep_between_tasks, keeps_connection
from tessera.background.wakeup import Wakeup

logger = logging.getLogger("django_tasks_db")


class ConcurrentWorker(Worker):
    def __init__(self, *, threads: int, **options) -> None:
        super().__init__(**options)
        self.threads = threads
        self._free = threading.BoundedSemaphore(threads)
        self._claimed = 0
        self._numbers = itertools.count(1)
        self._wakeup = Wakeup()

    # --- signals: the first asks to stop after the tasks in flight, the second stops now ----

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            logger.warning("Received %s - abandoning the tasks in flight.", signal.strsignal(signum))
            os._exit(1)  # as a SIGKILL would: the tasks stay RUNNING and are recovered
        logger.warning(
            "Received %s - finishing the tasks in flight... (press Ctrl+C again to force)",
            signal.strsignal(signum),
        )
        self.running = False

    # --- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s threads=%d",
            self.worker_id,
            ",".join(self.queue_names),
            self.threads,
        )
        pool = ThreadPoolExecutor(
            max_workers=self.threads,
            thread_name_prefix=f"task-{self.worker_id[:8]}",
            initializer=self._number_thread,
        )
        try:
            self._claim_while_running(pool)
        finally:
            pool.shutdown(wait=True)
            self._wakeup.close()
            close_old_connections()

    def _claim_while_running(self, pool: ThreadPoolExecutor) -> None:
        while self.running:
            if not self._free.acquire(timeout=self.interval):
                continue  # every thread busy: wait for one (and look at self.running again)
            close_old_connections()
            task_result = self._claim()
            if task_result is None:
                self._free.release()
                if self.running:
                    self._sleep_between_polls()
                continue
            pool.submit(self._run_in_thread, task_result)
            self._claimed += 1
            if self.max_tasks is not None and self._claimed >= self.max_tasks:
                logger.info("Claimed maximum tasks (%d) on worker=%s", self._claimed, self.worker_id)
                return

    def _sleep_between_polls(self) -> None:
        self._wakeup.wait(self.interval)

    def _claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                return task_result
            except OperationalError as exc:
                if is_locked_database_exception(exc):
                    return None  # SQLite busy: try again on the next round
                raise

    def _number_thread(self) -> None:
        keep_between_tasks(next(self._numbers) <= settings.WORKER_DB_CONNECTIONS)

    def _run_in_thread(self, task_result: DBTaskResult) -> None:
        try:
            close_old_connections()
            self.run_task(task_result)
        except Exception:
            logger.exception("could not record the outcome of task %s", task_result.pk)
        finally:
            if keeps_connection():
                close_old_connections()
            else:
                connections.close_all()
            self._free.release()
