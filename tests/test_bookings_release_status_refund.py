"""Releasing, reconciling and refunding go to the supplier one booking at a time, as reserving
and issuing do: the lines of one order at one supplier are one call, counted here at the
supplier simulator's door, and each line still gets its own outcome."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent, OrderLine
from orders.services import fulfilment
from orders.services.cancellation import order_cancel
from payments.models import Refund
from payments.services.finalization import order_finalize
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tessera.event_types import EventType
from tests import factories
from tests.queue_helpers import take_queued
from tests.simulator_support import base_url, http_supplier, running_simulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def seven_passengers(server, owner) -> Order:
    product = factories.product(supplier_obj=http_supplier(base_url(server)))
    product.supplier_reference = "TRAIN"
    product.save()
    return factories.order(owner=owner, product_obj=product, quantity=7)


def run_due_tasks(worker) -> None:
    """Run the queue now, including tasks it holds back for a while (reconciliation)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    worker()


def line_at(order: Order, position: int) -> OrderLine:
    return order.lines.get(position=position)


def test_seven_unknown_lines_are_one_status_call_and_their_release_one_cancel_call(worker):
    with running_simulator({"TRAIN": {"mode": "malformed"}}) as server:
        # given a 7-passenger order whose reservation the supplier made but whose answer was
        # garbled, so every line is UNKNOWN
        owner = factories.partner(wallet="5000.00")
        order = seven_passengers(server, owner)
        take_queued("reserve_booking")
        fulfilment.booking_reserve(line_ids=list(order.lines.values_list("pk", flat=True)))
        assert set(order.lines.values_list("status", flat=True)) == {"UNKNOWN"}
        # and the supplier has since lost line 3, and answers normally again
        server.state.catalogue["TRAIN"] = {}
        server.state.lines[str(line_at(order, 3).pk)].state = "NOT_FOUND"

        # when the reconciliation runs
        run_due_tasks(worker)

        # then one status call answered all seven: six RESERVED, line 3 reserved again
        assert server.state.calls == ["reserve", "status", "reserve"]
        assert set(order.lines.values_list("status", flat=True)) == {"RESERVED"}

        # given the supplier issued line 5 meanwhile (it will refuse to release it)
        server.state.lines[str(line_at(order, 5).pk)].state = "ISSUED"

        # when the order is canceled
        order_cancel(order_id=order.pk, actor=Actor.partner(owner))
        worker()

        # then one cancel call released the booking: six lines confirmed, line 5 refused alone
        assert server.state.calls == ["reserve", "status", "reserve", "cancel"]
    events = OrderEvent.objects.filter(order=order)
    confirmed = events.filter(transition=EventType.LINE_RELEASE_CONFIRMED)
    refused = events.filter(transition=EventType.LINE_RELEASE_REFUSED)
    assert confirmed.count() == 6
    assert [event.payload["code"] for event in refused] == ["ALREADY_ISSUED"]
    assert refused.get().subject_id == str(line_at(order, 5).pk)


def test_a_refund_of_seven_lines_is_one_call_and_a_line_the_supplier_keeps_stays_issued(worker):
    with running_simulator({"TRAIN": {}}) as server:
        # given a delivered 7-passenger order, of which the supplier cannot refund line 2
        owner = factories.partner(wallet="5000.00")
        order = seven_passengers(server, owner)
        worker()
        order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(owner))
        worker()
        assert Order.objects.get(pk=order.pk).status == "FULFILLED"
        server.state.lines[str(line_at(order, 2).pk)].state = "RELEASED"

        # when the whole order is refunded
        refund = refund_request(
            order_id=order.pk,
            line_ids=None,
            reason="requested",
            note="the trip is off",
            actor=Actor.partner(owner),
            idempotency_key="refund-seven",
        )
        worker()

        # then the supplier got one refund call for the seven lines
        assert server.state.calls == ["reserve", "issue", "refund"]
    # and the six it took back are refunded, line 2 stays issued and leaves the refund
    statuses = dict(order.lines.values_list("position", "status"))
    assert statuses == {position: "ISSUED" if position == 2 else "REFUNDED" for position in range(1, 8)}
    refund = Refund.objects.get(pk=refund.pk)
    assert refund.refund_lines.count() == 6
    assert refund.amount == sum(line.amount for line in order.lines.exclude(position=2))
    assert "line 2" in refund.failure_reason
