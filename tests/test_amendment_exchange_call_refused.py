"""An exchange the supplier will not make fails as any reservation or issue does: refused when
held, the new line is FAILED and the draft can fail it out or be reset; refused at confirmation,
the new line is FAILED and refunded, and the old ticket, still live at the supplier, is given
back there as a removed line is; a lost answer makes the line UNKNOWN until status tells."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent, OrderVersion
from orders.services import amendments
from orders.services.amendments import Exchange
from payments.services.amendment_confirmation import amendment_confirm
from tessera.actors import Actor
from tests.amendment_support import ledger_out, lines, paid_minus_refunded
from tests.exchange_call_support import delivered_at, later_train, rail_supplier
from tests.simulator_support import running_simulator

pytestmark = pytest.mark.django_db(transaction=True)


def open_exchange(server, partner, worker):
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
    return order, first, lines(order)[2]


def test_a_refused_exchange_fails_its_line_and_failing_it_out_keeps_the_old_ticket(wallet_partner, worker):
    with running_simulator({"TRAIN": {}, "LATER": {"refuse": "exchange"}}) as server:
        # Given a supplier that refuses to exchange for this train
        order, first, new = open_exchange(server, wallet_partner, worker)

        # Then the new line is FAILED with the supplier's reason, and nothing is held there
        assert (new.status, new.failure_code) == ("FAILED", "NOT_EXCHANGEABLE")
        assert str(new.pk) not in server.state.lines

        # When the partner fails it out of the draft
        version = amendments.amendment_fail_lines(
            order_id=order.pk, number=2, line_ids=[new.pk], actor=Actor.partner(wallet_partner)
        )
        worker()

    # Then the old ticket is kept again and the draft owes nothing; it can be reset
    assert (version.balance, lines(order)[0].removed_in_version) == (Decimal("0.00"), None)
    amendments.amendment_reset(order_id=order.pk, number=2, actor=Actor.partner(wallet_partner))
    assert OrderVersion.objects.get(order=order, number=2).status == "DISCARDED"
    assert lines(order)[0].status == "ISSUED"


def test_a_refused_exchange_leaves_a_draft_that_resets(wallet_partner, worker):
    with running_simulator({"TRAIN": {}, "LATER": {"refuse": "exchange"}}) as server:
        # Given a draft whose exchange the supplier refused
        order, first, new = open_exchange(server, wallet_partner, worker)
        assert new.status == "FAILED"

        # When the partner resets it
        amendments.amendment_reset(order_id=order.pk, number=2, actor=Actor.partner(wallet_partner))
        worker()

        # Then the draft is discarded, the order is as before and the old ticket is still issued
        # at the supplier
        assert server.state.lines[str(first.pk)].state == "ISSUED"
    assert Order.objects.get(pk=order.pk).version == 1
    assert OrderVersion.objects.get(order=order, number=2).status == "DISCARDED"
    assert [line.status for line in lines(order)[:2]] == ["ISSUED", "ISSUED"]
    assert lines(order)[0].removed_in_version is None


def test_an_exchange_refused_at_confirmation_is_refunded_and_the_old_ticket_returned(wallet_partner, worker):
    with running_simulator({"TRAIN": {}, "LATER": {}}) as server:
        # Given a held exchange the supplier will then refuse to issue
        order, first, new = open_exchange(server, wallet_partner, worker)
        assert new.status == "RESERVED"
        server.state.catalogue["LATER"] = {"refuse": "issue"}
        server.state.calls.clear()

        # When the partner confirms the draft
        actor = Actor.partner(wallet_partner)
        amendment_confirm(order_id=order.pk, number=2, expected_balance="20.00", actor=actor)
        worker()

        # Then the exchange failed, and the old ticket, still live at the supplier, was given back
        assert server.state.calls == ["issue", "refund"]
        assert server.state.lines[str(first.pk)].state == "REFUNDED"

    old, kept, failed = lines(order)
    assert (old.status, kept.status, failed.status) == ("REMOVED", "ISSUED", "FAILED")
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_FULFILLED"
    assert OrderEvent.objects.filter(
        order=order, transition="line.return_confirmed", subject_id=str(old.pk)
    ).exists()
    assert not OrderEvent.objects.filter(order=order, transition="line.exchange_confirmed").exists()
    # and the partner paid for the one ticket left: the new line's price came back
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("100.00")


def test_a_lost_answer_to_an_exchange_makes_the_line_unknown_until_status_finds_it_held(
    wallet_partner, worker
):
    with running_simulator({"TRAIN": {}, "LATER": {"mode": "malformed"}}) as server:
        # Given a supplier that holds the exchange but whose answer is cut off
        supplier = rail_supplier(server, supports_exchange=True)
        order = delivered_at(supplier, wallet_partner, worker=worker)
        first = lines(order)[0]
        offer = later_train(supplier, wallet_partner)
        amendments.amendment_open(
            order_id=order.pk,
            exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)],
            actor=Actor.partner(wallet_partner),
        )

        # When the worker reserves it: the line is UNKNOWN, then status finds it held
        worker()

        assert OrderEvent.objects.filter(order=order, transition="line.unknown").exists()
        assert lines(order)[2].status == "RESERVED"
        assert server.state.lines[str(lines(order)[2].pk)].replaces == str(first.pk)


def test_an_exchange_refused_at_confirmation_is_returned_apart_from_the_lines_the_version_removed(
    wallet_partner, worker
):
    with running_simulator({"TRAIN": {}, "LATER": {}}) as server:
        # Given a draft that exchanges the first ticket (held) and removes the second
        supplier = rail_supplier(server, supports_exchange=True)
        order = delivered_at(supplier, wallet_partner, worker=worker)
        first, second = lines(order)
        offer = later_train(supplier, wallet_partner)
        actor = Actor.partner(wallet_partner)
        amendments.amendment_open(
            order_id=order.pk,
            exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)],
            remove=[second.pk],
            actor=actor,
        )
        worker()
        server.state.catalogue["LATER"] = {"refuse": "issue"}
        server.state.calls.clear()

        # When the partner confirms and the supplier refuses to issue the exchange
        draft = OrderVersion.objects.get(order=order, number=2)
        amendment_confirm(order_id=order.pk, number=2, expected_balance=draft.balance, actor=actor)
        worker()

        # Then the removed line and, later, the exchanged-away one were each refunded there
        assert sorted(server.state.calls) == ["issue", "refund", "refund"]
        assert [server.state.lines[str(line.pk)].state for line in (first, second)] == [
            "REFUNDED",
            "REFUNDED",
        ]

    returned = OrderEvent.objects.filter(order=order, transition="line.return_confirmed")
    assert sorted(returned.values_list("subject_id", flat=True)) == sorted([str(first.pk), str(second.pk)])
    assert ledger_out(order) == paid_minus_refunded(order)
