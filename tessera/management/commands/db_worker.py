"""``manage.py db_worker``: django-tasks-db's worker plus Tessera's housekeeping.

Besides running tasks, each worker beats a heartbeat, re-enqueues tasks a killed worker left
RUNNING, and enqueues periodic tasks when they are due, so that expiry and reconciliation run by
themselves wherever a worker runs. Pass ``--no-housekeeping`` for a bare worker.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from tessera.background.housekeeping import Housekeeper


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

    def handle(self, *args, housekeeping: bool = True, **options) -> None:
        # Under --reload the parent process only watches files; the child runs tasks.
        reloader_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if not housekeeping or options.get("batch") or reloader_parent:
            return super().handle(*args, **options)
        housekeeper = Housekeeper(options["worker_id"])
        housekeeper.start()
        try:
            return super().handle(*args, **options)
        finally:
            housekeeper.stop()
            housekeeper.join(timeout=10)
