"""One booking per order and supplier: the lines of an order at one supplier are reserved and
issued in one supplier call with one reference, and each line still gets its own outcome."""

import pytest

from orders.models import Order, OrderLine
from orders.services.cancellation import order_cancel
from orders.services.creation import order_create
from payments.services.finalization import order_finalize
from payments.services.refunds import refund_request
from suppliers.models import SandboxBooking
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories, refund_support

pytestmark = pytest.mark.django_db(transaction=True)


def booking_calls(order: Order) -> SandboxBooking:
    supplier_id = order.lines.first().supplier_id
    return SandboxBooking.objects.get(line_key=f"booking:tessera:{order.pk}:{supplier_id}")


def finalize(order: Order, owner) -> None:
    order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(owner))


def test_seven_tickets_of_one_train_are_one_booking_with_one_reference(worker):
    # given a rail operator that books whole orders
    owner = factories.partner(wallet="5000.00")
    train = factories.product(behaviour={"booking": "order"})

    # when a 7-passenger order is reserved and issued
    order = factories.order(owner=owner, product_obj=train, quantity=7)
    worker()
    finalize(order, owner)
    worker()

    # then the supplier got one reserve call and one issue call for all seven
    order.refresh_from_db()
    assert order.status == "FULFILLED"
    calls = booking_calls(order)
    assert (calls.reserve_calls, calls.issue_calls) == (1, 1)
    lines = list(order.lines.all())
    assert len(lines) == 7
    assert {line.supplier_reservation_ref for line in lines} == {calls.booking_ref}
    assert all(line.status == "ISSUED" for line in lines)


def test_a_booking_answers_line_by_line_so_some_lines_fail_and_the_rest_are_issued(worker):
    # given a supplier that books whole orders but cannot issue every second line
    owner = factories.partner(wallet="5000.00")
    train = factories.product(behaviour={"booking": "order", "partial": True})
    order = factories.order(owner=owner, product_obj=train, quantity=4)
    worker()
    finalize(order, owner)

    # when the booking is issued in one call
    worker()

    # then lines 2 and 4 failed alone, 1 and 3 were issued, and the order is partly fulfilled
    order.refresh_from_db()
    statuses = dict(order.lines.values_list("position", "status"))
    assert statuses == {1: "ISSUED", 2: "FAILED", 3: "ISSUED", 4: "FAILED"}
    assert order.status == "PARTIALLY_FULFILLED"
    assert booking_calls(order).issue_calls == 1


def test_a_supplier_that_books_line_by_line_gets_one_call_per_line(worker):
    owner = factories.partner(wallet="5000.00")
    per_line = factories.product()
    order = factories.order(owner=owner, product_obj=per_line, quantity=3)

    worker()

    references = set(order.lines.values_list("supplier_reservation_ref", flat=True))
    assert len(references) == 3
    assert not SandboxBooking.objects.filter(line_key__startswith="booking:").exists()
    assert all(b.reserve_calls == 1 for b in SandboxBooking.objects.all())


def test_an_order_at_two_suppliers_is_two_bookings(worker):
    # given an order of two trains of two operators, three passengers each
    owner = factories.partner(wallet="5000.00")
    first = factories.product(behaviour={"booking": "order"})
    second = factories.product(behaviour={"booking": "order"})
    offers = [offer_quote(partner=owner, product_id=p.pk, quantity=3).pk for p in (first, second)]
    order = order_create(
        partner=owner,
        offer_ids=offers,
        travellers=factories.travellers(3),
        actor=Actor.partner(owner),
    )

    # when it is reserved
    worker()

    # then each operator got one booking of its three lines
    records = SandboxBooking.objects.filter(line_key__startswith="booking:")
    assert sorted(record.reserve_calls for record in records) == [1, 1]
    by_supplier = {}
    for line in OrderLine.objects.filter(order=order):
        by_supplier.setdefault(line.supplier_id, set()).add(line.supplier_reservation_ref)
    assert [len(refs) for refs in by_supplier.values()] == [1, 1]
    assert len(set.union(*by_supplier.values())) == 2


def test_a_whole_order_booking_is_released_and_refunded_line_by_line_in_one_call(worker):
    # given a delivered 3-passenger order at a rail operator that books whole orders
    owner = factories.partner(wallet="5000.00")
    train = factories.product(behaviour={"booking": "order"})
    delivered = refund_support.delivered(owner, train, worker=worker, quantity=3)
    # and a reserved one that is then canceled
    canceled = factories.order(owner=owner, product_obj=train, quantity=3)
    worker()

    # when the first is refunded and the second canceled
    refund_request(
        order_id=delivered.pk,
        line_ids=None,
        reason="requested",
        note="",
        actor=Actor.partner(owner),
        idempotency_key="whole-booking",
    )
    order_cancel(order_id=canceled.pk, actor=Actor.partner(owner))
    worker()

    # then the operator refunded and released every line of each booking
    assert set(delivered.lines.values_list("status", flat=True)) == {"REFUNDED"}
    line_keys = [f"line:{pk}" for pk in canceled.lines.values_list("pk", flat=True)]
    released = SandboxBooking.objects.filter(line_key__in=line_keys)
    assert set(released.values_list("state", flat=True)) == {"RELEASED"}
