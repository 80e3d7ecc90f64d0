"""A supplier without the exchange call is sent no exchange: Tessera reserves the new ticket as a
new line, and on confirmation issues it and returns the old one with a refund call."""

import pytest
from django.core.exceptions import ValidationError

from orders.models import OrderEvent
from orders.services import amendments
from orders.services.amendments import Exchange
from payments.services.amendment_confirmation import amendment_confirm
from tessera.actors import Actor
from tests import factories
from tests.amendment_support import ledger_out, lines, paid_minus_refunded
from tests.exchange_call_support import delivered_at, later_train, rail_supplier
from tests.simulator_support import running_simulator

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_exchange_at_a_supplier_without_the_call_reserves_a_new_line_and_returns_the_old_one(
    wallet_partner, worker
):
    with running_simulator({"TRAIN": {}, "LATER": {}}) as server:
        # Given a delivered order at a supplier that does not exchange tickets
        supplier = rail_supplier(server, supports_exchange=False)
        order = delivered_at(supplier, wallet_partner, worker=worker)
        first = lines(order)[0]
        offer = later_train(supplier, wallet_partner)
        server.state.calls.clear()

        # When a ticket is exchanged and the draft confirmed
        actor = Actor.partner(wallet_partner)
        amendments.amendment_open(
            order_id=order.pk, exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)], actor=actor
        )
        worker()
        new = lines(order)[2]
        assert (new.supplier_exchange, server.state.lines[str(new.pk)].replaces) == (False, "")
        amendment_confirm(order_id=order.pk, number=2, expected_balance="20.00", actor=actor)
        worker()

        # Then the new ticket was reserved and issued, and the old one refunded in a call of its own
        assert sorted(server.state.calls) == ["issue", "refund", "reserve"]
        assert server.state.lines[str(first.pk)].state == "REFUNDED"

    assert [line.status for line in lines(order)] == ["REMOVED", "ISSUED", "ISSUED"]
    assert OrderEvent.objects.filter(order=order, transition="line.return_confirmed").count() == 1
    assert not OrderEvent.objects.filter(order=order, transition="line.exchange_confirmed").exists()
    assert ledger_out(order) == paid_minus_refunded(order)


def test_only_a_supplier_whose_adapter_sends_exchanges_may_support_them(db):
    # Given a supplier on the in-process sandbox adapter, which has no exchange call
    supplier = factories.supplier()
    supplier.supports_exchange = True

    # Then staff cannot say it supports exchanges
    with pytest.raises(ValidationError) as refused:
        supplier.full_clean()
    assert "supports_exchange" in refused.value.message_dict

    # while a supplier speaking the HTTP protocol may
    supplier.adapter, supplier.settings = "http_json", {"base_url": "http://127.0.0.1:9"}
    supplier.full_clean()
