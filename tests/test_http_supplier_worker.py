"""Orders fulfilled by a supplier over real HTTP, through real worker processes: one booking per
order and supplier on the wire, and a worker killed with SIGKILL while its issue call is in
flight issues nothing twice."""

import pytest

from orders.models import Order, OrderLine, Voucher
from payments.services.finalization import order_finalize
from tessera.actors import Actor
from tessera.models import WorkerHeartbeat
from tests import factories
from tests.simulator_support import base_url, http_supplier, running_simulator
from tests.worker_processes import WorkerProcess, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def http_product(url: str, reference: str):
    product = factories.product(supplier_obj=http_supplier(url))
    product.supplier_reference = reference
    product.save()
    return product


def test_a_seven_passenger_order_is_one_reserve_and_one_issue_call(worker):
    with running_simulator({"TRAIN": {}}) as server:
        owner = factories.partner(wallet="5000.00")
        order = factories.order(owner=owner, product_obj=http_product(base_url(server), "TRAIN"), quantity=7)

        worker()
        order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(owner))
        worker()

        assert server.state.calls == ["reserve", "issue"]
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert OrderLine.objects.filter(order=order).values("supplier_reservation_ref").distinct().count() == 1
    assert Voucher.objects.filter(line__order=order).count() == 7


def test_a_worker_killed_during_an_http_issue_call_issues_nothing_twice(worker):
    # given a reserved two-passenger order at a supplier that takes 3 s to answer an issue call
    with running_simulator({"TRAIN": {"latency": 3}}) as server:
        owner = factories.partner(wallet="5000.00")
        order = factories.order(owner=owner, product_obj=http_product(base_url(server), "TRAIN"), quantity=2)
        worker()
        order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(owner))
        first = WorkerProcess("http-first")
        try:
            # when the worker is killed while the supplier is working on the issue call
            wait_until(lambda: "issue" in server.state.calls, timeout=60, what="the issue call to go out")
            first.kill()
        finally:
            first.stop()
        WorkerHeartbeat.objects.all().delete()  # the dead worker's heartbeat: recover at once

        # then another worker recovers the task and the order is fulfilled
        second = WorkerProcess("http-second")
        try:
            wait_until(
                lambda: Order.objects.get(pk=order.pk).status == "FULFILLED",
                timeout=90,
                what="the second worker to fulfil the order",
            )
        finally:
            second.stop()

        # with each line issued once at the supplier and one voucher each
        issued = [record.issue_count for record in server.state.lines.values()]
    assert issued == [1, 1]
    assert Voucher.objects.filter(line__order=order).count() == 2
    assert owner.wallets.get().entries.filter(kind="debit").count() == 1
