"""``manage.py db_worker``: django-tasks-db's worker plus Tessera's housekeeping.

Tasks run on a pool of ``--threads`` threads (default ``WORKER_THREADS``), so a task waiting on
a slow supplier holds one thread, not the process (tessera.background.concurrent_worker).
``--batch`` (the tests' worker fixture) runs them one at a time, as django-tasks-db does.

Besides running tasks, each worker beats a heartbeat, re-enqueues tasks a killed worker left
RUNNING, and enqueues periodic tasks when they are due, so that expiry and reconciliation run by
themselves wherever a worker runs. Pass ``--no-housekeeping`` for a bare worker.

A worker outlives the database: django-tasks-db's loop ends on the first error of the database
(a restart, a failover, a dropped connection), so it is started again, with backoff, until the
database answers; the tasks it was running when the database went away are enqueued afresh.
"""

import logging
import os
import sys
import time

from django.conf import settings
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from tessera.background import recovery
from tessera.background.concurrent_worker import ConcurrentWorker
from tessera.background.housekeeping import Housekeeper
from tessera.background.supervisor import Supervisor
from tessera.errors import DATABASE_UNAVAILABLE
from tessera.garbage_collection import settle_after_startup

logger = logging.getLogger(__name__)

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0


class Command(db_worker.Command):
    help = "Run a Tessera background worker (tasks, retries, recovery and the periodic schedule)"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-housekeeping",
            action="store_false",
            dest="housekeeping",
            help="Run tasks only: no heartbeat, recovery or periodic schedule.",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=0,
            help="Run this many worker processes under this one, each started again if it dies "
            "(tessera.background.supervisor). Default: run tasks in this process.",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.WORKER_THREADS,
            help="Tasks run at once by this process (default: WORKER_THREADS, %(default)s).",
        )

    def handle(self, *args, housekeeping: bool = True, processes: int = 0, **options) -> None:
        if processes > 0:
            return self._supervise(processes)
        # Under --reload the parent process only watches files; the child runs tasks.
        reloader_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if options.get("batch") or reloader_parent:
            return super().handle(*args, **options)
        settle_after_startup()
        if not housekeeping:
            return self._run_concurrently(**options)
        housekeeper = Housekeeper(options["worker_id"])
        housekeeper.start()
        try:
            return self._run_through_outages(*args, **options)
        finally:
            housekeeper.stop()
            housekeeper.join(timeout=10)

    def _run_through_outages(self, *args, **options) -> None:
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                recovered = recovery.recover_own_tasks(options["worker_id"])
                if recovered:
                    logger.warning(
                        "re-enqueued %d task(s) this worker ran when the database went away", recovered
                    )
                backoff = FIRST_BACKOFF_SECONDS
                return self._run_concurrently(**options)
            except DATABASE_UNAVAILABLE as exc:
                logger.warning(
                    "database unavailable (%s); worker resumes in %.1fs", type(exc).__name__, backoff
                )
            connections.close_all()
            time.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _supervise(self, processes: int) -> None:
        """Start this very command ``processes`` times without ``--processes``, and keep them running."""
        arguments = sys.argv[1:]
        child_arguments = []
        skip = False
        for argument in arguments:
            if skip:
                skip = False
            elif argument == "--processes":
                skip = True
            elif not argument.startswith("--processes="):
                child_arguments.append(argument)
        command = [sys.executable, sys.argv[0], *child_arguments]
        sys.exit(Supervisor(command, processes).run())

    def _run_concurrently(self, *, threads: int, **options) -> None:
        self.configure_logging(options["verbosity"])
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = ConcurrentWorker(
            threads=max(threads, 1),
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=False,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["reload"]:
            # The reloader's child (the parent only watches files, see handle).
            worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
