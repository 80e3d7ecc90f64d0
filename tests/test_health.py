"""/health/live answers while the process runs; /health/ready names each check and fails (503)
when the database, the migrations, the queue, the workers or a supplier's breaker is not well.

The checks run in threads of their own, with their own database connections: these tests commit
(transactional_db) so that those connections see the rows.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ops import health
from orders import tasks
from tessera.models import WorkerHeartbeat
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def a_worker_beat(seconds_ago: float = 0) -> None:
    moment = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.update_or_create(
        worker_id="w1", defaults={"hostname": "h", "pid": 1, "started_at": moment, "last_seen_at": moment}
    )


def ready(client):
    response = client.get("/health/ready")
    return response.status_code, response.json()


def test_live_answers_without_looking_at_anything(client):
    with mock.patch.dict(connections.settings["default"], {"NAME": "/nonexistent/tessera/db"}):
        response = client.get("/health/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_names_every_check_and_passes_when_all_are_well(client):
    a_worker_beat()

    status, body = ready(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "task_queue": "ok",
            "workers": "ok",
            "supplier_breakers": "ok",
        },
    }


def test_ready_fails_without_any_worker_heartbeat_within_the_threshold(client, settings):
    settings.HEALTH_WORKER_MAX_SILENCE_SECONDS = 60
    a_worker_beat(seconds_ago=61)

    status, body = ready(client)

    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["workers"] == "no task worker has beaten a heartbeat in the last 60 s"
    assert body["checks"]["database"] == "ok"


def test_ready_fails_when_the_oldest_ready_task_waited_too_long(client, settings):
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 300
    a_worker_beat()
    tasks.expire_orders.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=400))

    status, body = ready(client)

    assert status == 503
    assert body["checks"]["task_queue"].startswith("the oldest ready task has waited 40")


def test_a_task_waiting_for_its_backoff_is_not_late(client, settings):
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 300
    a_worker_beat()
    tasks.expire_orders.using(run_after=timezone.now() + timedelta(seconds=60)).enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=400))

    assert ready(client)[0] == 200


def test_ready_fails_while_a_supplier_breaker_stays_open_too_long(client, settings):
    settings.HEALTH_BREAKER_MAX_OPEN_SECONDS = 900
    a_worker_beat()
    down = factories.supplier(breaker_opened_at=timezone.now() - timedelta(seconds=901))
    factories.supplier(breaker_opened_at=timezone.now() - timedelta(seconds=30))

    status, body = ready(client)

    assert status == 503
    assert body["checks"]["supplier_breakers"] == f"breaker open for over 900 s: {down.slug}"


def test_ready_fails_when_a_migration_is_not_applied(client):
    a_worker_beat()
    with (
        mock.patch.object(health, "_migrations_applied", False),
        mock.patch(
            "django.db.migrations.executor.MigrationExecutor.migration_plan", return_value=[("m", False)]
        ),
    ):
        status, body = ready(client)

    assert status == 503 and body["checks"]["migrations"] == "1 migration(s) not applied"


def test_ready_fails_without_the_database_and_tells_no_internals(client):
    a_worker_beat()
    unreachable = "/nonexistent/tessera/db"
    with (
        mock.patch.object(health, "_migrations_applied", False),
        mock.patch.dict(
            connections.settings["default"], {"NAME": unreachable, "HOST": "db.internal.invalid"}
        ),
    ):
        response = client.get("/health/ready")

    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["database"] == "cannot reach the database"
    assert body["checks"]["workers"] == "cannot reach the database"
    assert "nonexistent" not in response.text and "internal" not in response.text


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_the_cache_is_checked_only_where_one_is_shared():
    assert [name for name, *_ in health.ready_checks()][:2] == ["database", "cache"]


def test_health_needs_no_api_key_and_no_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    a_worker_beat()

    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200
    assert client.get("/admin/").status_code == 301
