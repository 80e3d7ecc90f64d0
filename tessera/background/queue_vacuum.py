"""Vacuuming the task queue's tables, so that claiming a task stays cheap.

Every task is a row updated twice (claimed, then finished), and every worker beats its heartbeat
row every few seconds, so these small tables gather dead row versions fast. The workers claim a
task through a partial index of the READY rows, and every dead version left in it is one more row
to look at: after 10,700 tasks and no vacuum a claim took 1.5 ms of PostgreSQL's time, after a
VACUUM 0.1 ms (docs/benchmarks.md). PostgreSQL's autovacuum removes them when it runs, but it may
be off or far behind (it is off on the machine the benchmarks ran on), so the workers vacuum these
tables themselves once enough dead rows have gathered. The large tables are left to autovacuum.
"""

import logging

from django.db import connection
from django_tasks_db.models import DBTaskResult

from tessera.models import PeriodicSchedule, WorkerHeartbeat

logger = logging.getLogger(__name__)

QUEUE_MODELS = (DBTaskResult, WorkerHeartbeat, PeriodicSchedule)
DEAD_ROWS_THRESHOLD = 1000


def vacuum_queue_tables(*, threshold: int = DEAD_ROWS_THRESHOLD) -> list[str]:
    """VACUUM (ANALYZE) each queue table holding at least ``threshold`` dead rows; their names.

    Runs outside a transaction (VACUUM cannot run inside one), as a task does. PostgreSQL only.
    """
    if connection.vendor != "postgresql":
        return []
    tables = [model._meta.db_table for model in QUEUE_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND n_dead_tup >= %s",
            [tables, threshold],
        )
        due = sorted(row[0] for row in cursor.fetchall())
        for table in due:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    if due:
        logger.info("vacuumed %s", ", ".join(due))
    return due
