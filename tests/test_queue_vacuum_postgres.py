"""The workers vacuum the task queue's tables once dead rows gather, autovacuum or not."""

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.tasks import expire_orders
from tessera.background.queue_vacuum import vacuum_queue_tables
from tessera.models import WorkerHeartbeat

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TASKS_TABLE = DBTaskResult._meta.db_table


def dead_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def run_tasks_through_the_queue(count: int) -> None:
    """Enqueue tasks and move them as a worker does (claimed, then finished): two dead rows each."""
    for _ in range(count):
        expire_orders.enqueue()
    DBTaskResult.objects.update(status="RUNNING")
    DBTaskResult.objects.update(status="SUCCESSFUL")


def test_a_queue_table_with_enough_dead_rows_is_vacuumed():
    run_tasks_through_the_queue(60)
    assert dead_rows(TASKS_TABLE) >= 100

    vacuumed = vacuum_queue_tables(threshold=100)

    assert vacuumed == [TASKS_TABLE]
    assert dead_rows(TASKS_TABLE) == 0
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 60


def test_tables_below_the_threshold_are_left_alone():
    run_tasks_through_the_queue(10)
    before = dead_rows(TASKS_TABLE)
    assert before >= 10

    assert vacuum_queue_tables(threshold=before + 1000) == []
    assert dead_rows(TASKS_TABLE) == before


def test_heartbeats_are_vacuumed_too():
    now = timezone.now()
    beat = WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="host", pid=1, started_at=now, last_seen_at=now
    )
    for _ in range(120):
        beat.last_seen_at = timezone.now()
        beat.save(update_fields=["last_seen_at"])
    assert dead_rows(WorkerHeartbeat._meta.db_table) >= 100

    assert WorkerHeartbeat._meta.db_table in vacuum_queue_tables(threshold=100)
