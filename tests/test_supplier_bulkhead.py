"""A supplier's bulkhead: at most ``max_concurrent_calls`` calls in flight across all worker
processes; the others wait in the queue, and another supplier's orders are not held up."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import OrderLine
from suppliers.bulkhead import calls_in_flight, lease_acquire, lease_release
from suppliers.models import SupplierCallLease
from tessera.models import WorkerHeartbeat
from tests import factories
from tests.worker_processes import WorkerProcess, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_slots_run_out_at_the_limit_and_come_back_when_a_call_ends():
    supplier = factories.supplier(max_concurrent_calls=2)
    first = lease_acquire(supplier_id=supplier.pk)
    second = lease_acquire(supplier_id=supplier.pk)

    assert lease_acquire(supplier_id=supplier.pk) is None
    lease_release(lease_id=first.pk)
    assert lease_acquire(supplier_id=supplier.pk) is not None
    assert second is not None


def test_a_slot_left_by_a_killed_worker_frees_itself_when_its_lease_expires():
    supplier = factories.supplier(max_concurrent_calls=1)
    lease_acquire(supplier_id=supplier.pk)  # the worker holding it dies: nobody releases it
    assert lease_acquire(supplier_id=supplier.pk) is None

    SupplierCallLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert lease_acquire(supplier_id=supplier.pk) is not None


@pytest.mark.postgres
@pytest.mark.worker
def test_the_limit_holds_across_worker_processes_and_other_suppliers_go_on():
    # given a slow supplier limited to 3 calls at once and two worker processes of 8 threads
    owner = factories.partner(wallet="5000.00")
    slow_supplier = factories.supplier(max_concurrent_calls=3)
    slow = factories.product(supplier_obj=slow_supplier, behaviour={"latency": 10})  # 1 s here
    instant = factories.product()
    workers = [WorkerProcess(f"bulkhead{i}", SANDBOX_TIME_SCALE="0.1", WORKER_THREADS="8") for i in range(2)]
    seen = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(calls_in_flight(supplier_id=slow_supplier.pk))
            time.sleep(0.02)
        connection.close()

    watcher = threading.Thread(target=watch)
    try:
        wait_until(lambda: WorkerHeartbeat.objects.count() == 2, timeout=30, what="both workers to start")
        watcher.start()

        # when twelve orders of it come in at once, then one of another supplier
        slow_orders = [factories.order(owner=owner, product_obj=slow) for _ in range(12)]
        instant_order = factories.order(owner=owner, product_obj=instant)

        # then the other supplier's order does not wait for the slow one's queue
        wait_until(
            lambda: instant_order.lines.get().status == "RESERVED", timeout=5, what="the instant order"
        )
        wait_until(
            lambda: OrderLine.objects.filter(order__in=slow_orders, status="RESERVED").count() == 12,
            timeout=60,
            what="the twelve slow reservations",
        )
    finally:
        stop.set()
        if watcher.is_alive():
            watcher.join()
        for process in workers:
            process.stop()

    # and never more than three calls were in flight at the slow supplier, but three were
    assert max(seen) == 3
