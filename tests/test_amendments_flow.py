"""Amending a delivered order end to end through the worker: add, remove, exchange, reset, expire."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.errors import AmendmentNotOpen, AmendmentOpen, OrderNotAmendable, OrderNotReady, PriceChanged
from orders.models import Order, OrderEvent, OrderVersion, Traveller
from orders.services import amendments
from orders.services.amendments import Exchange, LineToAdd
from orders.services.inputs import TravellerInput
from orders.services.ticket_validation import TicketResult, ticket_check
from orders.ticket_signing import ticket_payload
from payments.models import InvoiceItem, Wallet
from payments.services.amendment_confirmation import amendment_confirm
from payments.services.invoicing import invoices_close
from payments.services.refunds import refund_request
from suppliers.models import Product, SandboxBooking
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.amendment_support import (
    delivered_train_order,
    ledger_out,
    lines,
    offer_for,
    paid_minus_refunded,
)
from tests.refund_support import assert_wallet_agrees_with_ledger, delivered

pytestmark = pytest.mark.django_db(transaction=True)

DOOR = Actor.system("door")


def wallet_balance(partner) -> Decimal:
    return Wallet.objects.get(partner=partner).balance


def test_an_exchange_reserves_the_new_line_then_confirm_debits_the_difference_and_supersedes_the_old_ticket(
    wallet_partner, worker
):
    # Given a delivered order of two 100.00 tickets, and an offer for a later train at 120.00
    order = delivered_train_order(wallet_partner, worker=worker)
    first, second = lines(order)
    offer = offer_for(wallet_partner, price="120.00")
    before = wallet_balance(wallet_partner)

    # When the first ticket is exchanged for it
    actor = Actor.partner(wallet_partner)
    draft = amendments.amendment_open(
        order_id=order.pk, exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)], actor=actor
    )

    # Then a draft version 2 holds a new line for the same traveller, RESERVING; nothing issued moved
    assert (draft.number, draft.status, draft.balance) == (2, "DRAFT", Decimal("20.00"))
    new = lines(order)[2]
    assert (new.status, new.traveller_id, new.replaces_id, new.added_in_version) == (
        "RESERVING",
        first.traveller_id,
        first.pk,
        2,
    )
    assert lines(order)[0].status == "ISSUED" and Order.objects.get(pk=order.pk).version == 1

    # When the worker reserves it and the partner confirms with the balance it expects
    worker()
    assert lines(order)[2].status == "RESERVED"
    amendment_confirm(order_id=order.pk, number=2, expected_balance="20.00", actor=actor)
    worker()

    # Then version 2 is current and issued, the old line left and its ticket says so at the door
    order.refresh_from_db()
    assert (order.version, order.status, order.total_amount) == (2, "FULFILLED", Decimal("220.00"))
    old, kept, issued = lines(order)
    assert (old.status, old.removed_in_version, kept.status, issued.status) == (
        "REMOVED",
        2,
        "ISSUED",
        "ISSUED",
    )
    check = ticket_check(payload=ticket_payload(old.voucher), actor=DOOR)
    assert check.result == TicketResult.SUPERSEDED
    assert check.message == "Not valid: superseded by version 2 of the order."
    # the supplier was asked to take the old ticket back
    assert SandboxBooking.objects.get(line_key=f"line:{old.pk}").state == "REFUNDED"
    # and the wallet paid exactly the difference, which the ledger and the versions agree on
    assert wallet_balance(wallet_partner) == before - Decimal("20.00")
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("220.00")
    assert_wallet_agrees_with_ledger(wallet_partner)
    types = set(OrderEvent.objects.filter(order=order).values_list("transition", flat=True))
    assert {
        "amendment.opened",
        "amendment.confirmed",
        "line.exchanged",
        "line.added",
        "order.amended",
    } <= types
    assert "line.removed" not in types  # an exchange is told apart from a removal


def test_adding_a_ticket_for_a_new_traveller_debits_its_price(wallet_partner, worker):
    # Given a delivered order of one ticket
    order = delivered_train_order(wallet_partner, worker=worker, quantity=1)
    offer = offer_for(wallet_partner, price="35.50")
    actor = Actor.partner(wallet_partner)

    # When a ticket for a new traveller is added, reserved and confirmed
    amendments.amendment_open(
        order_id=order.pk,
        add=[LineToAdd(offer_id=offer.pk, travellers=[TravellerInput(given_name="Bo", family_name="New")])],
        actor=actor,
    )
    worker()
    amendment_confirm(order_id=order.pk, number=2, expected_balance="35.50", actor=actor)
    worker()

    # Then the order holds both tickets, issued, for both travellers, and paid both
    order.refresh_from_db()
    assert (order.version, order.status) == (2, "FULFILLED")
    assert [line.status for line in lines(order)] == ["ISSUED", "ISSUED"]
    assert str(lines(order)[1].traveller) == "Bo New"
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("135.50")


def test_removing_a_ticket_gives_its_price_back_to_the_wallet(wallet_partner, worker):
    # Given a delivered order of two tickets
    order = delivered_train_order(wallet_partner, worker=worker)
    gone = lines(order)[1]
    actor = Actor.partner(wallet_partner)
    before = wallet_balance(wallet_partner)

    # When the second is removed: nothing to reserve, so the draft confirms at once
    draft = amendments.amendment_open(order_id=order.pk, remove=[gone.pk], actor=actor)
    assert draft.balance == Decimal("-100.00")
    amendment_confirm(order_id=order.pk, number=2, expected_balance="-100.00", actor=actor)
    worker()

    # Then the order stays FULFILLED with one line, the wallet got 100.00 back, the supplier its ticket
    order.refresh_from_db()
    assert (order.version, order.status, order.total_amount) == (2, "FULFILLED", Decimal("100.00"))
    assert [line.status for line in lines(order)] == ["ISSUED", "REMOVED"]
    assert lines(order)[1].voucher.status == "REVOKED"
    assert wallet_balance(wallet_partner) == before + Decimal("100.00")
    assert OrderEvent.objects.filter(order=order, transition="line.return_confirmed").count() == 1
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("100.00")


def test_reset_releases_what_the_draft_reserved_and_keeps_the_order_as_it_was(wallet_partner, worker):
    # Given an open draft that exchanges a line and has reserved its new one
    order = delivered_train_order(wallet_partner, worker=worker)
    first = lines(order)[0]
    offer = offer_for(wallet_partner)
    actor = Actor.partner(wallet_partner)
    amendments.amendment_open(
        order_id=order.pk, exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)], actor=actor
    )
    worker()
    before = wallet_balance(wallet_partner)

    # When it is reset
    amendments.amendment_reset(order_id=order.pk, number=2, actor=actor)
    worker()

    # Then its line is released at the supplier, the old line is kept, and no money moved
    old, _kept, new = lines(order)
    assert (new.status, old.status, old.removed_in_version) == ("RELEASED", "ISSUED", None)
    assert SandboxBooking.objects.get(line_key=f"line:{new.pk}").state == "RELEASED"
    order.refresh_from_db()
    assert (order.version, order.status) == (1, "FULFILLED")
    assert wallet_balance(wallet_partner) == before
    assert OrderVersion.objects.get(order=order).status == "DISCARDED"
    # and confirming it now finds no draft, while a new draft takes number 2 again
    with pytest.raises(AmendmentNotOpen):
        amendment_confirm(order_id=order.pk, number=2, expected_balance="20.00", actor=actor)
    again = amendments.amendment_open(order_id=order.pk, remove=[first.pk], actor=actor)
    assert again.number == 2


def test_the_sweep_discards_a_draft_past_its_expiry_like_a_reset(wallet_partner, worker):
    # Given a draft that adds a ticket for a new traveller, past its expiresAt
    order = delivered_train_order(wallet_partner, worker=worker, quantity=1)
    actor = Actor.partner(wallet_partner)
    draft = amendments.amendment_open(
        order_id=order.pk,
        add=[
            LineToAdd(
                offer_id=offer_for(wallet_partner).pk,
                travellers=[TravellerInput(given_name="Late", family_name="Comer")],
            )
        ],
        actor=actor,
    )
    worker()
    OrderVersion.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    # When the expiry sweep runs
    assert amendments.amendments_expire_due() == 1
    worker()

    # Then the draft is EXPIRED-discarded, its line released, its traveller in no version
    draft.refresh_from_db()
    assert draft.status == "DISCARDED"
    assert lines(order)[1].status == "RELEASED"
    assert Traveller.objects.get(order=order, given_name="Late").removed_in_version == 2
    assert OrderEvent.objects.filter(order=order, transition="amendment.expired").count() == 1
    assert Order.objects.get(pk=order.pk).version == 1


def test_confirm_refuses_a_wrong_balance_and_unreserved_lines(wallet_partner, worker):
    # Given a draft whose new line is not reserved yet
    order = delivered_train_order(wallet_partner, worker=worker, quantity=1)
    actor = Actor.partner(wallet_partner)
    traveller = lines(order)[0].traveller_id
    amendments.amendment_open(
        order_id=order.pk,
        add=[LineToAdd(offer_id=offer_for(wallet_partner).pk, traveller_ids=[traveller])],
        actor=actor,
    )

    # Then confirming with another balance is PRICE_CHANGED, and with the right one ORDER_NOT_READY
    with pytest.raises(PriceChanged):
        amendment_confirm(order_id=order.pk, number=2, expected_balance="0.00", actor=actor)
    with pytest.raises(OrderNotReady):
        amendment_confirm(order_id=order.pk, number=2, expected_balance="120.00", actor=actor)


def test_an_open_draft_refuses_refunds_and_a_second_amendment(wallet_partner, worker):
    # Given an open draft
    order = delivered_train_order(wallet_partner, worker=worker)
    first, second = lines(order)
    actor = Actor.partner(wallet_partner)
    amendments.amendment_open(order_id=order.pk, remove=[first.pk], actor=actor)

    # Then a refund and another amendment are refused with AMENDMENT_OPEN
    with pytest.raises(AmendmentOpen):
        refund_request(
            order_id=order.pk,
            line_ids=[second.pk],
            reason="requested",
            note="",
            actor=actor,
            idempotency_key="r1",
        )
    with pytest.raises(AmendmentOpen):
        amendments.amendment_open(order_id=order.pk, remove=[second.pk], actor=actor)


def test_fail_takes_a_refused_exchange_out_of_the_draft_and_keeps_the_old_ticket(wallet_partner, worker):
    # Given a draft that exchanges line 1 for a train whose supplier refuses the seat, and adds one
    order = delivered_train_order(wallet_partner, worker=worker)
    first, second = lines(order)
    refused = offer_quote(
        partner=wallet_partner, product_id=factories.product(price="130.00", behaviour={"fail": "reserve"}).pk
    )
    extra = offer_for(wallet_partner, price="40.00")
    actor = Actor.partner(wallet_partner)
    amendments.amendment_open(
        order_id=order.pk,
        exchange=[Exchange(line_id=first.pk, offer_id=refused.pk)],
        add=[LineToAdd(offer_id=extra.pk, traveller_ids=[second.traveller_id])],
        actor=actor,
    )
    worker()
    failed, added = lines(order)[2:]
    assert (failed.status, added.status) == ("FAILED", "RESERVED")
    with pytest.raises(OrderNotReady):
        amendment_confirm(order_id=order.pk, number=2, expected_balance="70.00", actor=actor)

    # When the refused line is failed out of the draft
    draft = amendments.amendment_fail_lines(order_id=order.pk, number=2, line_ids=[failed.pk], actor=actor)

    # Then the draft only adds the other line, line 1 stays in it, and confirm takes 40.00
    assert (draft.balance, draft.total_amount) == (Decimal("40.00"), Decimal("240.00"))
    assert lines(order)[0].removed_in_version is None
    assert OrderEvent.objects.filter(order=order, transition="amendment.line_failed").count() == 1
    amendment_confirm(order_id=order.pk, number=2, expected_balance="40.00", actor=actor)
    worker()
    order.refresh_from_db()
    assert (order.status, order.total_amount) == ("FULFILLED", Decimal("240.00"))
    assert [line.status for line in lines(order)] == ["ISSUED", "ISSUED", "FAILED", "ISSUED"]
    assert [line.pk for line in order.current_lines] == [first.pk, second.pk, added.pk]
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("240.00")


def test_products_say_which_changes_they_allow_and_their_fees_go_into_the_balance(wallet_partner, worker):
    # Given a delivered order of two tickets whose product charges 5.00 to exchange and keeps
    # 15.00 of a removed ticket
    product = factories.product(price="100.00")
    Product.objects.filter(pk=product.pk).update(change_fee="5.00", cancellation_fee="15.00")
    order = delivered(wallet_partner, Product.objects.get(pk=product.pk), worker=worker, quantity=2)
    first, second = lines(order)
    actor = Actor.partner(wallet_partner)

    # When line 1 is exchanged for a 100.00 ticket and line 2 removed
    draft = amendments.amendment_open(
        order_id=order.pk,
        exchange=[Exchange(line_id=first.pk, offer_id=offer_for(wallet_partner, price="100.00").pk)],
        remove=[second.pk],
        actor=actor,
    )

    # Then the balance is the difference plus the fees: 100 - 200 + 5 + 15
    assert (draft.fee_amount, draft.balance, draft.total_amount) == (
        Decimal("20.00"),
        Decimal("-80.00"),
        Decimal("100.00"),
    )
    worker()
    amendment_confirm(order_id=order.pk, number=2, expected_balance="-80.00", actor=actor)
    worker()
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("120.00")


def test_a_product_that_allows_no_exchange_refuses_one(wallet_partner, worker):
    product = factories.product(price="100.00")
    Product.objects.filter(pk=product.pk).update(allows_exchange=False)
    order = delivered(wallet_partner, Product.objects.get(pk=product.pk), worker=worker, quantity=1)

    with pytest.raises(OrderNotAmendable) as refused:
        amendments.amendment_open(
            order_id=order.pk,
            exchange=[Exchange(line_id=lines(order)[0].pk, offer_id=offer_for(wallet_partner).pk)],
            actor=Actor.partner(wallet_partner),
        )

    assert refused.value.context["lines"] == {str(lines(order)[0].pk): "its product allows no exchange"}
    assert not OrderVersion.objects.filter(order=order).exists()


def test_an_invoice_order_bills_each_amendment_on_its_invoice_with_its_vat(invoice_partner, worker):
    # Given an invoiced order of two tickets of 112.00 with 12 % VAT
    product = factories.product(kind="event", price="112.00")
    Product.objects.filter(pk=product.pk).update(tax_rate=Decimal("12"))
    order = delivered(invoice_partner, Product.objects.get(pk=product.pk), worker=worker, method="invoice")
    first, second = lines(order)
    actor = Actor.partner(invoice_partner)
    dearer = factories.product(kind="event", price="224.00")
    Product.objects.filter(pk=dearer.pk).update(tax_rate=Decimal("12"))

    # When line 1 is exchanged for a 224.00 ticket (a charge of 112.00), then line 2 removed (a credit)
    offer = offer_quote(partner=invoice_partner, product_id=dearer.pk)
    amendments.amendment_open(
        order_id=order.pk, exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)], actor=actor
    )
    worker()
    amendment_confirm(order_id=order.pk, number=2, expected_balance="112.00", actor=actor)
    worker()
    amendments.amendment_open(order_id=order.pk, remove=[second.pk], actor=actor)
    amendment_confirm(order_id=order.pk, number=3, expected_balance="-112.00", actor=actor)

    # Then the invoice holds the order's charge, then one item per amendment, with their VAT: the
    # credit deducts the credit note that gave version 3's balance back
    items = list(InvoiceItem.objects.filter(order=order).order_by("created_at", "id"))
    note = items[2].credit_note
    assert [(i.kind, i.total_amount, i.tax_amount, i.description) for i in items] == [
        ("charge", Decimal("224.00"), Decimal("24.00"), f"Order {order.reference}"),
        (
            "charge",
            Decimal("112.00"),
            Decimal("12.00"),
            f"Order {order.reference}, version 2: added 3 (12 %); removed 1 (12 %)",
        ),
        (
            "credit",
            Decimal("-112.00"),
            Decimal("-12.00"),
            f"Credit note {note.number} for order {order.reference}, version 3",
        ),
    ]
    # and closing it adds them up, its VAT table recomputed the same way
    [invoice] = invoices_close(actor=Actor.system("tests"), today=items[0].invoice.period_end)
    assert (invoice.total_amount, invoice.tax_amount) == (Decimal("224.00"), Decimal("24.00"))
    assert Order.objects.get(pk=order.pk).total_amount == Decimal("224.00")


def test_a_supplier_that_refuses_to_take_a_removed_ticket_back_is_recorded_for_staff(wallet_partner, worker):
    # Given a delivered order whose supplier refuses refunds
    order = delivered(
        wallet_partner, factories.product(price="100.00", behaviour={"refund": "refuse"}), worker=worker
    )
    gone = lines(order)[1]
    actor = Actor.partner(wallet_partner)

    # When an amendment removes a ticket and is confirmed
    amendments.amendment_open(order_id=order.pk, remove=[gone.pk], actor=actor)
    amendment_confirm(order_id=order.pk, number=2, expected_balance="-100.00", actor=actor)
    worker()

    # Then the line is removed, and the supplier's refusal is on its trail
    refused = OrderEvent.objects.get(order=order, transition="line.return_refused")
    assert (refused.subject_id, refused.payload["code"]) == (str(gone.pk), "NOT_REFUNDABLE")
    assert lines(order)[1].status == "REMOVED"
