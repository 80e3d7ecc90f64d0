"""The checks of /health/ready, each named in the answer (django-health-check runs them).

Every check says what is wrong in words an operator can act on, never a host, a password or a
stack trace; the library logs the details.
"""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, F, Min, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from ops import suppliers_state
from tessera.models import WorkerHeartbeat

_migrations_applied = False


def close_thread_connection(check):
    """The library runs a synchronous check in a thread of its own: close that thread's
    database connection when the check ends, so probes leave no connection behind. A database
    that cannot be reached fails the check in those words, without the driver's own."""

    def run(self) -> None:
        try:
            return check(self)
        except DatabaseError as exc:
            raise ServiceUnavailable("cannot reach the database") from exc
        finally:
            connections[DEFAULT_DB_ALIAS].close()

    return run


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration the code has is applied to the database (true once, true for good: a
    process's code does not change, so the answer is kept once it is yes)."""

    @close_thread_connection
    def run(self) -> None:
        global _migrations_applied
        if _migrations_applied:
            return
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if missing:
            raise ServiceUnavailable(f"{len(missing)} migration(s) not applied")
        _migrations_applied = True


def oldest_ready_task_age() -> timedelta | None:
    """How long the task that has waited longest to run has been ready (None: the queue is empty).
    A task with a later ``run_after`` (a retry's backoff) is ready from then on."""
    ready_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min(ready_since))["oldest"]
    return None if oldest is None else max(timezone.now() - oldest, timedelta(0))


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The oldest task ready to run waited less than HEALTH_QUEUE_MAX_AGE_SECONDS."""

    @close_thread_connection
    def run(self) -> None:
        age = oldest_ready_task_age()
        limit = settings.HEALTH_QUEUE_MAX_AGE_SECONDS
        if age is not None and age.total_seconds() > limit:
            raise ServiceUnavailable(
                f"the oldest ready task has waited {age.total_seconds():.0f} s (> {limit:g} s)"
            )


@dataclasses.dataclass
class Workers(HealthCheck):
    """A task worker beat its heartbeat within HEALTH_WORKER_MAX_SILENCE_SECONDS."""

    @close_thread_connection
    def run(self) -> None:
        limit = settings.HEALTH_WORKER_MAX_SILENCE_SECONDS
        since = timezone.now() - timedelta(seconds=limit)
        if not WorkerHeartbeat.objects.filter(last_seen_at__gte=since).exists():
            raise ServiceUnavailable(f"no task worker has beaten a heartbeat in the last {limit:g} s")


@dataclasses.dataclass
class SupplierBreakers(HealthCheck):
    """No supplier's circuit breaker has stayed open longer than HEALTH_BREAKER_MAX_OPEN_SECONDS."""

    @close_thread_connection
    def run(self) -> None:
        limit = timedelta(seconds=settings.HEALTH_BREAKER_MAX_OPEN_SECONDS)
        now = timezone.now()
        stuck = [
            b.supplier for b in suppliers_state.open_breakers() if b.opened_at and now - b.opened_at > limit
        ]
        if stuck:
            raise ServiceUnavailable(f"breaker open for over {limit.total_seconds():g} s: {', '.join(stuck)}")


def ready_checks() -> list[tuple[str, type[HealthCheck] | str, dict]]:
    """(name in the answer, check, its options): the cache only where one is shared (REDIS_URL);
    a process's own memory cache cannot be down."""
    checks = [
        ("database", "health_check.checks.Database", {}),
        ("migrations", Migrations, {}),
        ("task_queue", TaskQueue, {}),
        ("workers", Workers, {}),
        ("supplier_breakers", SupplierBreakers, {}),
    ]
    if settings.REDIS_URL:
        checks.insert(1, ("cache", "health_check.checks.Cache", {}))
    return checks
