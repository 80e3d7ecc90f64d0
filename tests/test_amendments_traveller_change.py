"""Correcting a traveller's details by amendment, end to end through the worker: the replacing
traveller, its fee, what the tickets and the door read, and what reset and the product refuse."""

from datetime import date
from decimal import Decimal

import pytest

from orders.errors import InvalidTravellers, OrderNotAmendable
from orders.models import Order, OrderEvent, OrderVersion, Traveller
from orders.selectors import order_as_of
from orders.services import amendments
from orders.services.amendments import Exchange, TravellerChange
from orders.services.ticket_validation import TicketResult, ticket_check
from orders.ticket_documents import ticket_pages
from orders.ticket_signing import ticket_payload
from partner_api.selectors import order_for_partner
from payments.models import Wallet
from payments.services.amendment_confirmation import amendment_confirm
from suppliers.models import Product
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.amendment_support import ledger_out, lines, offer_for, paid_minus_refunded
from tests.refund_support import assert_wallet_agrees_with_ledger, delivered

pytestmark = pytest.mark.django_db(transaction=True)

DOOR = Actor.system("door")


def changeable_train(*, fee: str = "2.00", allowed: bool = True) -> Product:
    product = factories.product(price="100.00")
    Product.objects.filter(pk=product.pk).update(allows_traveller_change=allowed, traveller_change_fee=fee)
    return Product.objects.get(pk=product.pk)


def travellers(order: Order) -> list[Traveller]:
    return list(Traveller.objects.filter(order=order).order_by("position"))


def test_a_misspelt_name_is_corrected_its_fee_paid_and_the_tickets_and_the_door_read_the_new_name(
    wallet_partner, worker
):
    # Given a delivered order of two tickets whose product allows a traveller change for 2.00
    order = delivered(wallet_partner, changeable_train(fee="2.00"), worker=worker, quantity=2)
    first, second = lines(order)
    misspelt = first.traveller
    before = Wallet.objects.get(partner=wallet_partner).balance
    actor = Actor.partner(wallet_partner)

    # When the partner corrects the first traveller's family name and adds a birth date
    draft = amendments.amendment_open(
        order_id=order.pk,
        travellers=[
            TravellerChange(
                traveller_id=misspelt.pk, details={"family_name": "Lovelace", "born_on": date(1990, 12, 10)}
            )
        ],
        actor=actor,
    )

    # Then the draft holds a new traveller replacing the old one, the fee for its one issued ticket
    # is the balance, and the current version still reads the old name
    new = Traveller.objects.get(order=order, replaces=misspelt)
    assert (new.given_name, new.family_name, new.born_on, new.added_in_version) == (
        misspelt.given_name,
        "Lovelace",
        date(1990, 12, 10),
        2,
    )
    assert (draft.fee_amount, draft.balance, draft.total_amount) == (
        Decimal("2.00"),
        Decimal("2.00"),
        order.total_amount,
    )
    assert [t.pk for t in Order.objects.get(pk=order.pk).current_travellers] == [
        misspelt.pk,
        second.traveller_id,
    ]
    opened = OrderEvent.objects.get(order=order, transition="amendment.opened")
    assert opened.payload["travellersChanged"] == {str(misspelt.position): new.position}

    # When the draft is confirmed with its balance
    amendment_confirm(order_id=order.pk, number=2, expected_balance="2.00", actor=actor)
    worker()

    # Then version 2 holds the new traveller, whose ticket is the same one, issued and valid
    order = Order.objects.get(pk=order.pk)
    assert (order.version, order.status, order.total_amount) == (2, "FULFILLED", Decimal("200.00"))
    corrected, kept = lines(order)
    assert (corrected.pk, corrected.traveller_id, corrected.status) == (first.pk, new.pk, "ISSUED")
    assert kept.traveller_id == second.traveller_id
    assert [t.pk for t in order.current_travellers] == [second.traveller_id, new.pk]
    assert Traveller.objects.get(pk=misspelt.pk).removed_in_version == 2
    # the ticket document and the door's check name the traveller as corrected
    (page, _other) = ticket_pages(order, lines(order))
    assert ("For", f"{misspelt.given_name} Lovelace") in page.facts
    check = ticket_check(payload=ticket_payload(corrected.voucher), actor=DOOR)
    assert (check.result, check.traveller) == (TicketResult.VALID, f"{misspelt.given_name} Lovelace")
    # and the event names the fields, not their values
    changed = OrderEvent.objects.get(order=order, transition="traveller.changed")
    assert (changed.subject_type, changed.subject_id) == ("traveller", str(new.pk))
    assert changed.payload == {
        "version": 2,
        "traveller": new.position,
        "replaces": misspelt.position,
        "fields": ["familyName", "bornOn"],
        "lines": [first.position],
    }
    # the fee came from the wallet, which the ledger and the versions agree on
    assert Wallet.objects.get(partner=wallet_partner).balance == before - Decimal("2.00")
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("202.00")
    assert_wallet_agrees_with_ledger(wallet_partner)


def test_version_one_still_reads_the_old_name_and_its_lines_name_the_old_traveller(wallet_partner, worker):
    # Given an order whose first traveller a confirmed version 2 renamed
    order = delivered(wallet_partner, changeable_train(fee="0.00"), worker=worker, quantity=2)
    first, _second = lines(order)
    old = first.traveller
    actor = Actor.partner(wallet_partner)
    amendments.amendment_open(
        order_id=order.pk,
        travellers=[TravellerChange(traveller_id=old.pk, details={"given_name": "Augusta"})],
        actor=actor,
    )
    amendment_confirm(order_id=order.pk, number=2, expected_balance="0.00", actor=actor)

    # When version 1 is read as the API reads it
    read = order_for_partner(partner_id=wallet_partner.pk, order_id=order.pk)
    then = order_as_of(read, 1)

    # Then it has the old traveller, and its line names it; version 2 (current) names the new one
    assert [t.given_name for t in then.current_travellers][0] == old.given_name
    assert then.current_lines[0].traveller_id == old.pk
    assert read.current_lines[0].traveller.given_name == "Augusta"
    assert read.current_travellers[-1].replaces_id == old.pk


def test_a_changed_traveller_gets_the_new_line_of_an_exchange_in_the_same_draft(wallet_partner, worker):
    # Given a delivered order of one ticket
    order = delivered(wallet_partner, changeable_train(fee="3.00"), worker=worker, quantity=1)
    (first,) = lines(order)
    actor = Actor.partner(wallet_partner)

    # When its traveller is renamed and its ticket exchanged for a later train in one draft
    draft = amendments.amendment_open(
        order_id=order.pk,
        exchange=[Exchange(line_id=first.pk, offer_id=offer_for(wallet_partner, price="100.00").pk)],
        travellers=[TravellerChange(traveller_id=first.traveller_id, details={"given_name": "Grace"})],
        actor=actor,
    )

    # Then the new line reserves for the new traveller, and no traveller fee is charged: the
    # traveller keeps no issued ticket (the exchanged one has its own fee, 0.00 here)
    new = Traveller.objects.get(order=order, replaces_id=first.traveller_id)
    assert lines(order)[1].traveller_id == new.pk
    assert (draft.fee_amount, draft.balance) == (Decimal("0.00"), Decimal("0.00"))
    worker()
    amendment_confirm(order_id=order.pk, number=2, expected_balance="0.00", actor=actor)
    worker()
    order = Order.objects.get(pk=order.pk)
    assert [(line.status, line.traveller_id) for line in order.current_lines] == [("ISSUED", new.pk)]


def test_reset_discards_the_replacing_traveller_and_the_order_keeps_the_old_name(wallet_partner, worker):
    # Given a draft that renames the first traveller
    order = delivered(wallet_partner, changeable_train(), worker=worker, quantity=1)
    (first,) = lines(order)
    actor = Actor.partner(wallet_partner)
    amendments.amendment_open(
        order_id=order.pk,
        travellers=[TravellerChange(traveller_id=first.traveller_id, details={"email": "ada@example.com"})],
        actor=actor,
    )

    # When the draft is reset
    amendments.amendment_reset(order_id=order.pk, number=2, actor=actor)

    # Then the new row belongs to no version, the old one is current, and its line still holds it
    old, discarded = travellers(order)
    assert (discarded.replaces_id, discarded.added_in_version, discarded.removed_in_version) == (old.pk, 2, 2)
    assert old.removed_in_version is None
    order = Order.objects.get(pk=order.pk)
    assert [t.pk for t in order.current_travellers] == [old.pk]
    assert lines(order)[0].traveller_id == old.pk
    assert not OrderEvent.objects.filter(order=order, transition="traveller.changed").exists()

    # and a second draft renames it again (the number 2 is free again)
    amendments.amendment_open(
        order_id=order.pk,
        travellers=[TravellerChange(traveller_id=old.pk, details={"phone": "+4712345678"})],
        actor=actor,
    )
    amendment_confirm(order_id=order.pk, number=2, expected_balance="2.00", actor=actor)
    assert Order.objects.get(pk=order.pk).current_travellers[0].phone == "+4712345678"


def test_a_product_that_allows_no_traveller_change_refuses_it_naming_the_traveller(wallet_partner, worker):
    order = delivered(wallet_partner, changeable_train(allowed=False), worker=worker, quantity=1)
    (first,) = lines(order)

    with pytest.raises(OrderNotAmendable) as refused:
        amendments.amendment_open(
            order_id=order.pk,
            travellers=[TravellerChange(traveller_id=first.traveller_id, details={"given_name": "Grace"})],
            actor=Actor.partner(wallet_partner),
        )

    assert refused.value.context["travellers"] == {
        str(first.traveller_id): f"the product of line(s) {first.position} allows no traveller change"
    }
    assert not OrderVersion.objects.filter(order=order).exists()
    assert len(travellers(order)) == 1


def test_the_same_traveller_twice_an_unknown_one_and_no_change_at_all_are_refused(wallet_partner, worker):
    order = delivered(wallet_partner, changeable_train(), worker=worker, quantity=1)
    (first,) = lines(order)
    actor = Actor.partner(wallet_partner)
    traveller = first.traveller

    with pytest.raises(OrderNotAmendable) as twice:
        amendments.amendment_open(
            order_id=order.pk,
            travellers=[
                TravellerChange(traveller_id=traveller.pk, details={"given_name": "A"}),
                TravellerChange(traveller_id=traveller.pk, details={"given_name": "B"}),
            ],
            actor=actor,
        )
    with pytest.raises(OrderNotAmendable) as unknown:
        amendments.amendment_open(
            order_id=order.pk,
            travellers=[TravellerChange(traveller_id=traveller.pk + 1000, details={"given_name": "A"})],
            actor=actor,
        )
    with pytest.raises(OrderNotAmendable) as same:
        amendments.amendment_open(
            order_id=order.pk,
            travellers=[
                TravellerChange(traveller_id=traveller.pk, details={"given_name": traveller.given_name})
            ],
            actor=actor,
        )
    with pytest.raises(InvalidTravellers):
        amendments.amendment_open(
            order_id=order.pk,
            travellers=[TravellerChange(traveller_id=traveller.pk, details={"family_name": "  "})],
            actor=actor,
        )

    assert twice.value.context["travellers"] == {str(traveller.pk): "changed twice"}
    assert unknown.value.context["travellers"] == {
        str(traveller.pk + 1000): "not a traveller of the order's current version"
    }
    assert same.value.context["travellers"] == {
        str(traveller.pk): "the details given are the traveller's already"
    }
    assert not OrderVersion.objects.filter(order=order).exists()


def test_a_traveller_without_issued_tickets_changes_for_free(wallet_partner, worker):
    # Given an order whose product forbids traveller changes, with a traveller who holds no line
    order = delivered(wallet_partner, changeable_train(allowed=False), worker=worker, quantity=1)
    spare = Traveller.objects.create(order=order, position=9, given_name="Spare", family_name="Seat")
    actor = Actor.partner(wallet_partner)

    # When that traveller is renamed
    draft = amendments.amendment_open(
        order_id=order.pk,
        travellers=[TravellerChange(traveller_id=spare.pk, details={"family_name": "Seated"})],
        actor=actor,
    )
    amendment_confirm(order_id=order.pk, number=2, expected_balance="0.00", actor=actor)

    # Then nothing was charged and version 2 holds the corrected traveller
    assert (draft.fee_amount, draft.balance) == (Decimal("0.00"), Decimal("0.00"))
    names = [t.family_name for t in Order.objects.get(pk=order.pk).current_travellers]
    assert "Seated" in names and "Seat" not in names
    changed = OrderEvent.objects.get(order=order, transition="traveller.changed")
    assert changed.payload["lines"] == []


def test_a_failed_exchange_keeps_the_old_ticket_for_the_changed_traveller_at_its_fee(wallet_partner, worker):
    # Given a draft that renames the traveller of the one ticket (3.00 a ticket) and exchanges the
    # ticket for a train whose supplier refuses the seat
    order = delivered(wallet_partner, changeable_train(fee="3.00"), worker=worker, quantity=1)
    (first,) = lines(order)
    refused = offer_quote(
        partner=wallet_partner, product_id=factories.product(price="100.00", behaviour={"fail": "reserve"}).pk
    )
    actor = Actor.partner(wallet_partner)
    draft = amendments.amendment_open(
        order_id=order.pk,
        exchange=[Exchange(line_id=first.pk, offer_id=refused.pk)],
        travellers=[TravellerChange(traveller_id=first.traveller_id, details={"given_name": "Grace"})],
        actor=actor,
    )
    assert draft.fee_amount == Decimal("0.00")  # the renamed traveller keeps no issued ticket
    worker()
    failed = lines(order)[1]
    assert failed.status == "FAILED"

    # When the refused line is failed out of the draft
    draft = amendments.amendment_fail_lines(order_id=order.pk, number=2, line_ids=[failed.pk], actor=actor)

    # Then the old ticket stays, and the renamed traveller's fee for it is in the balance
    assert (draft.fee_amount, draft.balance) == (Decimal("3.00"), Decimal("3.00"))
    amendment_confirm(order_id=order.pk, number=2, expected_balance="3.00", actor=actor)
    new = Traveller.objects.get(order=order, replaces_id=first.traveller_id)
    assert [line.traveller_id for line in Order.objects.get(pk=order.pk).current_lines] == [new.pk]
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("103.00")
