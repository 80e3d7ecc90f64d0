"""An amendment's bookings at a supplier over real HTTP: each amendment is a booking of its own.

A supplier answers a key it has seen with its first answer. An amendment's reservation, issue
and return of lines must therefore not reuse the order's first keys (the supplier would answer
with the first booking's lines and leave the amendment's out), nor those of a draft reset before
it, nor those of an earlier amendment's return."""

import pytest

from orders.models import Order, OrderEvent
from orders.services import amendments
from orders.services.amendments import Exchange, LineToAdd
from payments.services.amendment_confirmation import amendment_confirm
from payments.services.finalization import order_finalize
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.amendment_support import lines
from tests.simulator_support import base_url, http_supplier, running_simulator

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_amendment_reserves_issues_and_returns_under_keys_of_its_own(worker):
    with running_simulator({"TRAIN": {}, "LATER": {}}) as server:
        # Given a delivered two-ticket order at a supplier reached over HTTP
        supplier = http_supplier(base_url(server))
        train, later = (factories.product(supplier_obj=supplier, price="100.00") for _ in range(2))
        train.supplier_reference, later.supplier_reference = "TRAIN", "LATER"
        train.save()
        later.save()
        owner = factories.partner(wallet="5000.00")
        actor = Actor.partner(owner)
        order = factories.order(owner=owner, product_obj=train, quantity=2)
        worker()
        order_finalize(order_id=order.pk, method="wallet", actor=actor)
        worker()
        first, second = lines(order)

        def quote(product):
            return offer_quote(partner=owner, product_id=product.pk, quantity=1).pk

        # And a draft that was reset after its line was reserved
        amendments.amendment_open(
            order_id=order.pk,
            add=[LineToAdd(offer_id=quote(later), traveller_ids=[first.traveller_id])],
            actor=actor,
        )
        worker()
        amendments.amendment_reset(order_id=order.pk, number=2, actor=actor)
        worker()

        # When version 2 exchanges the first ticket and adds one, and is confirmed
        amendments.amendment_open(
            order_id=order.pk,
            exchange=[Exchange(line_id=first.pk, offer_id=quote(later))],
            add=[LineToAdd(offer_id=quote(train), traveller_ids=[second.traveller_id])],
            actor=actor,
        )
        worker()
        assert [line.status for line in lines(order)[-2:]] == ["RESERVED", "RESERVED"]
        amendment_confirm(order_id=order.pk, number=2, expected_balance="100.00", actor=actor)
        worker()

        # Then its lines are issued, and the exchanged ticket went back to the supplier
        order.refresh_from_db()
        assert (order.version, order.status) == (2, "FULFILLED")
        assert [line.status for line in lines(order)] == ["REMOVED", "ISSUED", "RELEASED", "ISSUED", "ISSUED"]

        # When version 3 removes the second ticket
        amendments.amendment_open(order_id=order.pk, remove=[second.pk], actor=actor)
        amendment_confirm(order_id=order.pk, number=3, expected_balance="-100.00", actor=actor)
        worker()

        # Then the supplier took it back too, under a return of its own
        assert lines(order)[1].status == "REMOVED"
        returned = OrderEvent.objects.filter(order=order, transition="line.return_confirmed")
        assert set(returned.values_list("subject_id", flat=True)) == {str(first.pk), str(second.pk)}
        states = sorted(record.state for record in server.state.lines.values())
        assert states == ["ISSUED", "ISSUED", "REFUNDED", "REFUNDED", "RELEASED"]
    assert Order.objects.get(pk=order.pk).version == 3
