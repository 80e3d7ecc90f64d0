"""Periodic work (expiry, reconciliation) runs by itself wherever a worker runs."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order
from tessera.background import schedule
from tessera.models import PeriodicSchedule
from tests import factories
from tests.worker_processes import WorkerProcess, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def enqueued_paths() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_due_tasks_are_enqueued_once_per_interval(settings):
    settings.PERIODIC_TASKS = {"orders.tasks.expire_orders": 60.0, "orders.tasks.reconcile_lines": 60.0}
    schedule.ensure_schedule()

    first = schedule.enqueue_due()
    second = schedule.enqueue_due()

    assert sorted(first) == ["orders.tasks.expire_orders", "orders.tasks.reconcile_lines"]
    assert second == []
    assert enqueued_paths() == ["orders.tasks.expire_orders", "orders.tasks.reconcile_lines"]
    next_run = PeriodicSchedule.objects.get(task_path="orders.tasks.expire_orders").next_run_at
    assert timedelta(seconds=55) < next_run - timezone.now() <= timedelta(seconds=60)


def test_task_becomes_due_again_after_its_interval(settings):
    settings.PERIODIC_TASKS = {"orders.tasks.expire_orders": 60.0}
    schedule.ensure_schedule()
    schedule.enqueue_due()
    PeriodicSchedule.objects.update(next_run_at=timezone.now() - timedelta(seconds=1))

    assert schedule.enqueue_due() == ["orders.tasks.expire_orders"]
    assert enqueued_paths() == ["orders.tasks.expire_orders"] * 2


def test_schedule_drops_tasks_no_longer_configured(settings):
    settings.PERIODIC_TASKS = {"orders.tasks.expire_orders": 60.0, "orders.tasks.reconcile_lines": 60.0}
    schedule.ensure_schedule()
    settings.PERIODIC_TASKS = {"orders.tasks.expire_orders": 60.0}
    schedule.ensure_schedule()

    assert list(PeriodicSchedule.objects.values_list("task_path", flat=True)) == [
        "orders.tasks.expire_orders"
    ]


@pytest.mark.worker
def test_running_worker_expires_pending_orders_by_itself():
    owner = factories.partner(wallet="100.00")
    order = factories.order(owner=owner, product_obj=factories.product())
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    process = WorkerProcess("sweeper", SANDBOX_TIME_SCALE="0", EXPIRY_SWEEP_SECONDS="1")
    try:
        wait_until(
            lambda: Order.objects.get(pk=order.pk).status == "EXPIRED",
            timeout=20,
            what="the worker's own expiry sweep",
        )
    finally:
        process.stop()
    assert set(order.lines.values_list("status", flat=True)) == {"RELEASED"}
