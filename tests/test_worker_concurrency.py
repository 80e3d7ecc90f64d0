"""One worker process runs many tasks at once: a task waiting on a slow supplier holds a thread,
not the process, so instant orders behind a burst of slow ones go through at once."""

import time

import pytest

from orders.models import OrderLine
from tessera.models import WorkerHeartbeat
from tests import factories
from tests.worker_processes import WorkerProcess, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_one_process_reserves_slow_orders_side_by_side_and_an_instant_one_meanwhile():
    # given one worker process with eight threads
    owner = factories.partner(wallet="5000.00")
    slow = factories.product(behaviour={"latency": 30})
    instant = factories.product()
    process = WorkerProcess("threads", SANDBOX_TIME_SCALE="0.2", WORKER_THREADS="8")
    try:
        wait_until(lambda: WorkerHeartbeat.objects.exists(), timeout=30, what="the worker to start")

        # when four orders whose supplier takes 6 s come in, then an instant order
        started = time.monotonic()
        slow_orders = [factories.order(owner=owner, product_obj=slow) for _ in range(4)]
        instant_order = factories.order(owner=owner, product_obj=instant)

        # then the instant order does not wait behind the slow ones
        wait_until(
            lambda: instant_order.lines.get().status == "RESERVED",
            timeout=4,
            what="the instant order to be reserved while slow calls are in flight",
        )
        assert OrderLine.objects.filter(order__in=slow_orders, status="RESERVING").count() == 4
        # and the four slow calls ran side by side (one after another they take 24 s)
        wait_until(
            lambda: OrderLine.objects.filter(order__in=slow_orders, status="RESERVED").count() == 4,
            timeout=14,
            what="the four slow reservations",
        )
        assert time.monotonic() - started < 14
    finally:
        process.stop()
