"""A worker killed mid-task: its task is recovered and re-run, and nothing is issued twice."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, Voucher
from payments.services import finalization
from suppliers.models import SandboxBooking
from tessera.actors import Actor
from tessera.background import recovery
from tessera.management.commands import db_worker
from tessera.models import WorkerHeartbeat
from tests import factories
from tests.worker_processes import WorkerProcess, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def running_task(*, worker_id: str, started_ago: float) -> DBTaskResult:
    started = timezone.now() - timedelta(seconds=started_ago)
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {"line_id": 1}},
        task_path="orders.tasks.issue_line",
        backend_name="default",
        queue_name="default",
        run_after=started,
        started_at=started,
        worker_ids=[worker_id],
    )


def beat(worker_id: str, seen_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="test",
        pid=1,
        started_at=now - timedelta(hours=1),
        last_seen_at=now - timedelta(seconds=seen_ago),
    )


def test_task_of_dead_worker_is_failed_and_enqueued_again(settings):
    settings.WORKER_DEAD_AFTER_SECONDS = 30
    beat("dead", seen_ago=120)
    stuck = running_task(worker_id="dead", started_ago=300)

    assert recovery.recover_stuck_tasks() == 1

    stuck.refresh_from_db()
    assert stuck.status == "FAILED"
    assert stuck.exception_class_path == recovery.WORKER_LOST
    again = DBTaskResult.objects.exclude(pk=stuck.pk).get()
    assert again.status == "READY"
    assert (again.task_path, again.args_kwargs) == (stuck.task_path, stuck.args_kwargs)


def test_task_of_live_worker_is_left_alone_until_it_overruns(settings):
    settings.WORKER_DEAD_AFTER_SECONDS = 30
    settings.TASK_STUCK_AFTER_SECONDS = 600
    beat("alive", seen_ago=1)
    busy = running_task(worker_id="alive", started_ago=120)
    overrun = running_task(worker_id="alive", started_ago=1200)

    assert recovery.recover_stuck_tasks() == 1

    busy.refresh_from_db()
    overrun.refresh_from_db()
    assert busy.status == "RUNNING"
    assert overrun.status == "FAILED"


def test_recently_started_task_is_not_taken_from_a_worker_that_has_not_beaten_yet(settings):
    settings.WORKER_DEAD_AFTER_SECONDS = 30
    fresh = running_task(worker_id="starting", started_ago=2)

    assert recovery.recover_stuck_tasks() == 0
    fresh.refresh_from_db()
    assert fresh.status == "RUNNING"


def test_tasks_a_worker_ran_when_it_lost_the_database_are_re_enqueued_by_that_worker():
    mine = running_task(worker_id="me", started_ago=1)
    others = running_task(worker_id="other", started_ago=1)

    assert recovery.recover_own_tasks("me") == 1

    mine.refresh_from_db()
    others.refresh_from_db()
    assert (mine.status, mine.exception_class_path) == ("FAILED", recovery.WORKER_LOST)
    assert others.status == "RUNNING"
    again = DBTaskResult.objects.exclude(pk__in=[mine.pk, others.pk]).get()
    assert (again.status, again.args_kwargs) == ("READY", mine.args_kwargs)


def test_a_worker_whose_database_goes_away_waits_and_runs_again(monkeypatch):
    """django-tasks-db's loop ends on a database error (seen killing both workers when the load
    suite restarted PostgreSQL); Tessera's worker starts it again and re-enqueues its orphans."""
    loops = []

    def loop_that_loses_the_database(self, *args, **options):
        loops.append(options["worker_id"])
        if len(loops) == 1:
            running_task(worker_id="me", started_ago=1)  # claimed, then the connection broke
            raise OperationalError("server closed the connection unexpectedly")

    waits = []
    monkeypatch.setattr(db_worker.Command, "_run_concurrently", loop_that_loses_the_database)
    monkeypatch.setattr(db_worker.time, "sleep", waits.append)

    db_worker.Command()._run_through_outages(worker_id="me")

    assert loops == ["me", "me"]
    assert waits == [db_worker.FIRST_BACKOFF_SECONDS]
    orphan = DBTaskResult.objects.get(status="FAILED")
    assert orphan.exception_class_path == recovery.WORKER_LOST
    assert DBTaskResult.objects.filter(status="READY", task_path=orphan.task_path).count() == 1


@pytest.mark.worker
def test_worker_killed_mid_issuance_restarts_and_issues_nothing_twice(worker):
    owner = factories.partner(wallet="500.00")
    product = factories.product(behaviour={"latency": 4})
    order = factories.order(owner=owner, product_obj=product)
    worker()  # reserve in-process (sandbox latency is scaled to 0 here)
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(owner))
    line = order.lines.get()
    booking_key = f"line:{line.pk}"

    first = WorkerProcess("first", SANDBOX_TIME_SCALE="1")
    try:
        # The supplier has issued and the worker is waiting for its answer: kill it there.
        wait_until(
            lambda: bool(
                SandboxBooking.objects.filter(line_key=booking_key)
                .values_list("issued_keys", flat=True)
                .first()
            ),
            timeout=30,
            what="the supplier to accept the issue call",
        )
        first.kill()
    finally:
        first.stop()
    killed_task = DBTaskResult.objects.get(task_path="orders.tasks.issue_line")
    assert killed_task.status == "RUNNING"
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"

    second = WorkerProcess("second", SANDBOX_TIME_SCALE="0")
    try:
        wait_until(
            lambda: Order.objects.get(pk=order.pk).status == "FULFILLED",
            timeout=45,
            what="the restarted worker to fulfil the order",
        )
    finally:
        second.stop()

    killed_task.refresh_from_db()
    assert killed_task.exception_class_path == recovery.WORKER_LOST
    booking = SandboxBooking.objects.get(line_key=booking_key)
    assert booking.issued_keys == [line.supplier_key("issue")]
    assert Voucher.objects.filter(line=line).count() == 1
    assert owner.wallets.get().entries.filter(kind="debit").count() == 1


@pytest.mark.worker
def test_slow_supplier_blocks_neither_requests_nor_other_orders(worker):
    owner = factories.partner(wallet="5000.00")
    slow = factories.product(behaviour={"latency": 30})
    fast = factories.product()
    workers = [WorkerProcess(f"w{i}", SANDBOX_TIME_SCALE="0.2") for i in range(2)]
    try:
        # Start-up is not what this measures: on a loaded machine it alone can take seconds.
        wait_until(lambda: WorkerHeartbeat.objects.count() == 2, timeout=30, what="both workers to start")
        started = timezone.now()
        slow_order = factories.order(owner=owner, product_obj=slow)
        fast_order = factories.order(owner=owner, product_obj=fast)
        assert (timezone.now() - started).total_seconds() < 2, "creating orders waited on the supplier"

        wait_until(
            lambda: fast_order.lines.get().status == "RESERVED",
            timeout=5,
            what="the fast order to be reserved beside the slow one",
        )
        finalization.order_finalize(order_id=fast_order.pk, method="wallet", actor=Actor.partner(owner))
        wait_until(
            lambda: Order.objects.get(pk=fast_order.pk).status == "FULFILLED",
            timeout=5,
            what="the fast order to be fulfilled while the slow one reserves",
        )
        assert slow_order.lines.get().status == "RESERVING"
        wait_until(
            lambda: slow_order.lines.get().status == "RESERVED",
            timeout=15,
            what="the slow reservation to finish",
        )
    finally:
        for process in workers:
            process.stop()
