"""A held exchange is given back when its draft is reset or expires: the supplier's cancel call
releases the new ticket, and the old ticket stays valid there and in Tessera."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import OrderVersion
from orders.services import amendments
from orders.services.amendments import Exchange
from tessera.actors import Actor
from tests.amendment_support import lines
from tests.exchange_call_support import delivered_at, later_train, rail_supplier
from tests.simulator_support import running_simulator

pytestmark = pytest.mark.django_db(transaction=True)


def held_exchange(server, partner, worker):
    """A delivered order whose first ticket is held for an exchange at the supplier; the order,
    the old line and the new one."""
    supplier = rail_supplier(server, supports_exchange=True)
    order = delivered_at(supplier, partner, worker=worker)
    first = lines(order)[0]
    offer = later_train(supplier, partner)
    amendments.amendment_open(
        order_id=order.pk,
        exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)],
        actor=Actor.partner(partner),
    )
    worker()
    new = lines(order)[2]
    assert (new.status, server.state.lines[str(new.pk)].state) == ("RESERVED", "RESERVED")
    server.state.calls.clear()
    return order, first, new


def test_resetting_the_draft_cancels_the_held_exchange_and_keeps_the_old_ticket(wallet_partner, worker):
    with running_simulator({"TRAIN": {}, "LATER": {}}) as server:
        # Given a draft whose exchange the supplier holds
        order, first, new = held_exchange(server, wallet_partner, worker)

        # When the partner resets the draft
        amendments.amendment_reset(order_id=order.pk, number=2, actor=Actor.partner(wallet_partner))
        worker()

        # Then one cancel call released the held exchange, and the old ticket is still issued there
        assert server.state.calls == ["cancel"]
        assert server.state.lines[str(new.pk)].state == "RELEASED"
        assert (server.state.lines[str(first.pk)].state, server.state.lines[str(first.pk)].replaced_by) == (
            "ISSUED",
            "",
        )

    # and in Tessera the old line is current and issued again, the new one released
    old, _second, released = lines(order)
    assert (old.status, old.removed_in_version) == ("ISSUED", None)
    assert (released.status, released.removed_in_version) == ("RELEASED", 2)


def test_an_expired_draft_cancels_the_held_exchange(wallet_partner, worker):
    with running_simulator({"TRAIN": {}, "LATER": {}}) as server:
        # Given a draft whose exchange the supplier holds, past its expiry
        order, first, new = held_exchange(server, wallet_partner, worker)
        OrderVersion.objects.filter(order=order, number=2).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

        # When the expiry sweep runs
        assert amendments.amendments_expire_due() == 1
        worker()

        # Then the held exchange was released at the supplier and the old ticket is untouched
        assert server.state.calls == ["cancel"]
        assert server.state.lines[str(new.pk)].state == "RELEASED"
        assert server.state.lines[str(first.pk)].state == "ISSUED"
    assert lines(order)[0].status == "ISSUED"
