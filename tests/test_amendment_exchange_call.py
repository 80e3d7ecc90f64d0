"""An exchange at a supplier that supports it goes through the supplier's own change call: the
new ticket is held tied to the old one, confirming issues it and the supplier cancels the old
ticket in the same call, so Tessera sends no separate refund for the old line."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent
from orders.services import amendments
from orders.services.amendments import Exchange
from orders.services.ticket_validation import TicketResult, ticket_check
from orders.ticket_signing import ticket_payload
from payments.models import Wallet
from payments.services.amendment_confirmation import amendment_confirm
from tessera.actors import Actor
from tests.amendment_support import ledger_out, lines, paid_minus_refunded
from tests.exchange_call_support import delivered_at, later_train, rail_supplier
from tests.refund_support import assert_wallet_agrees_with_ledger
from tests.simulator_support import running_simulator

pytestmark = pytest.mark.django_db(transaction=True)

DOOR = Actor.system("door")


def test_an_exchange_is_one_reserve_and_one_issue_call_and_the_supplier_cancels_the_old_ticket(
    wallet_partner, worker
):
    with running_simulator({"TRAIN": {}, "LATER": {"exchange_price": "20.00"}}) as server:
        # Given a delivered order of two 100.00 tickets at a supplier that exchanges tickets
        supplier = rail_supplier(server, supports_exchange=True)
        order = delivered_at(supplier, wallet_partner, worker=worker)
        first, _second = lines(order)
        offer = later_train(supplier, wallet_partner, price="120.00")
        before = Wallet.objects.get(partner=wallet_partner).balance
        server.state.calls.clear()

        # When the first ticket is exchanged for a 120.00 one, reserved, confirmed and issued
        actor = Actor.partner(wallet_partner)
        amendments.amendment_open(
            order_id=order.pk, exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)], actor=actor
        )
        worker()
        new = lines(order)[2]
        assert (new.status, new.supplier_exchange, new.replaces_id) == ("RESERVED", True, first.pk)
        held = server.state.lines[str(new.pk)]
        assert (held.state, held.replaces) == ("RESERVED", str(first.pk))
        amendment_confirm(order_id=order.pk, number=2, expected_balance="20.00", actor=actor)
        worker()

        # Then the supplier got one reserve and one issue call, and no refund for the old ticket
        assert server.state.calls == ["reserve", "issue"]
        old_at_supplier = server.state.lines[str(first.pk)]
        assert (old_at_supplier.state, old_at_supplier.replaced_by) == ("REFUNDED", str(new.pk))

    # and in Tessera the old line is REMOVED with its ticket superseded, the new one ISSUED
    order.refresh_from_db()
    assert (order.version, order.status, order.total_amount) == (2, "FULFILLED", Decimal("220.00"))
    old, kept, issued = lines(order)
    assert (old.status, kept.status, issued.status) == ("REMOVED", "ISSUED", "ISSUED")
    assert ticket_check(payload=ticket_payload(old.voucher), actor=DOOR).result == TicketResult.SUPERSEDED
    # and the events say the supplier's change call did it, with the price it named for the hold
    exchanged = OrderEvent.objects.get(order=order, transition="line.exchange_confirmed")
    assert (exchanged.subject_id, exchanged.payload["replacedBy"]) == (str(old.pk), issued.position)
    assert exchanged.payload["bookingReference"] == issued.supplier_booking_ref
    reserved = OrderEvent.objects.get(order=order, transition="line.reserved", subject_id=str(issued.pk))
    assert reserved.payload == {"exchange": {"replaces": old.position, "supplierPrice": "20.00"}}
    assert not OrderEvent.objects.filter(order=order, transition="line.return_confirmed").exists()
    # and the wallet paid exactly the difference
    assert Wallet.objects.get(partner=wallet_partner).balance == before - Decimal("20.00")
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("220.00")
    assert_wallet_agrees_with_ledger(wallet_partner)


def test_an_exchange_and_a_new_ticket_at_one_supplier_are_one_booking_and_only_a_removed_line_is_returned(
    wallet_partner, worker
):
    with running_simulator({"TRAIN": {}, "LATER": {}, "EXTRA": {}}) as server:
        # Given a delivered order of three tickets at a supplier that exchanges tickets
        supplier = rail_supplier(server, supports_exchange=True)
        order = delivered_at(supplier, wallet_partner, worker=worker, quantity=3)
        first, _second, third = lines(order)
        exchange_for = later_train(supplier, wallet_partner, price="100.00")
        extra = later_train(supplier, wallet_partner, reference="EXTRA", price="50.00")
        server.state.calls.clear()

        # When one ticket is exchanged, one removed and one added for the same traveller
        actor = Actor.partner(wallet_partner)
        amendments.amendment_open(
            order_id=order.pk,
            exchange=[Exchange(line_id=first.pk, offer_id=exchange_for.pk)],
            remove=[third.pk],
            add=[amendments.LineToAdd(offer_id=extra.pk, traveller_ids=[third.traveller_id])],
            actor=actor,
        )
        worker()
        draft = Order.objects.get(pk=order.pk).versions.get(number=2)
        amendment_confirm(order_id=order.pk, number=2, expected_balance=draft.balance, actor=actor)
        worker()

        # Then both new lines went in one reserve and one issue call, and only the removed line
        # was refunded at the supplier
        assert sorted(server.state.calls) == ["issue", "refund", "reserve"]
        assert server.state.lines[str(third.pk)].replaced_by == ""
        assert server.state.lines[str(first.pk)].replaced_by != ""

    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    returned = OrderEvent.objects.filter(order=order, transition="line.return_confirmed")
    assert list(returned.values_list("subject_id", flat=True)) == [str(third.pk)]
    assert ledger_out(order) == paid_minus_refunded(order)
