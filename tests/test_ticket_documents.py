"""The tickets PDF: a page per issued ticket or voucher, each with a QR code that checks out valid."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from orders.services.revocation import voucher_revoke
from orders.services.ticket_validation import TicketResult, ticket_check
from orders.ticket_documents import ticket_pages, tickets_pdf
from orders.ticket_signing import ticket_payload
from orders.vouchers import voucher_secret
from payments.services import finalization
from payments.services.refunds import refund_request
from suppliers.models import Product, SupplierKind
from tessera.actors import Actor
from tests import factories
from tests.ticket_support import delivered_order, lines_of, pdf_pages, pdf_text, qr_texts, train

pytestmark = pytest.mark.django_db(transaction=True)

DOOR = Actor.system("door")


def test_each_issued_ticket_gets_a_page_whose_qr_decodes_back_to_a_valid_ticket(wallet_partner, worker):
    order = delivered_order(wallet_partner, train(), worker=worker, quantity=2)
    first, second = lines_of(order)

    content = tickets_pdf(order, ticket_pages(order, lines_of(order)))

    assert content.startswith(b"%PDF") and pdf_pages(content) == 2
    (scanned,) = qr_texts(content, page=0)
    assert scanned == ticket_payload(first.voucher)
    assert qr_texts(content, page=1) == [ticket_payload(second.voucher)]
    check = ticket_check(payload=scanned, actor=DOOR, now=first.starts_at)
    assert (check.result, check.traveller, check.product) == (
        TicketResult.VALID,
        str(first.traveller),
        first.description,
    )


def test_a_page_says_what_for_whom_when_where_and_its_references(wallet_partner, worker):
    order = delivered_order(wallet_partner, train(), worker=worker, quantity=1)
    (line,) = lines_of(order)

    (page,) = ticket_pages(order, [line])
    text = pdf_text(tickets_pdf(order, [page]))

    facts = dict(page.facts)
    assert facts["What"] == line.description
    assert facts["For"] == "Ada Traveller0"
    assert (facts["From"], facts["To"]) == ("Oslo S", "Bergen")
    assert facts["When"].endswith("UTC") and f"{line.starts_at:%b %Y, %H:%M}" in facts["When"]
    assert facts["Valid"].startswith("from ") and " until " in facts["Valid"]
    assert facts["Order"] == order.reference
    assert facts["Booking and collection reference"] == line.voucher.collection_reference != ""
    for value in (order.reference, "Ada Traveller0", "Oslo S", "Bergen", line.voucher.collection_reference):
        assert value in text


def test_a_rail_ticket_prints_station_names_local_time_and_one_reference(wallet_partner, worker):
    # given a train between stops known by their ids, leaving Oslo at 07:25 local time in winter
    product = train()
    Product.objects.filter(pk=product.pk).update(
        time_zone="Europe/Oslo",
        starts_at=datetime(2031, 1, 14, 6, 25, tzinfo=UTC),
        from_place="NSR:StopPlace:337",
        from_place_name="Oslo S",
        to_place="NSR:StopPlace:548",
        to_place_name="Bergen",
    )
    order = delivered_order(wallet_partner, Product.objects.get(pk=product.pk), worker=worker, quantity=1)
    (line,) = lines_of(order)

    # when its ticket is printed
    (page,) = ticket_pages(order, [line])
    text = pdf_text(tickets_pdf(order, [page]))

    # then it names the stations, gives the time on Oslo's clocks, and its reference once
    facts = dict(page.facts)
    assert (facts["From"], facts["To"]) == ("Oslo S", "Bergen")
    assert "NSR:StopPlace" not in text
    assert facts["When"] == "Tue 14 Jan 2031, 07:25 CET"
    assert line.supplier_booking_ref == line.voucher.collection_reference
    assert text.count(line.supplier_booking_ref) == 1
    assert "Booking reference" not in facts and "Collection reference" not in facts


def test_codes_and_pins_are_not_printed_nor_carried_by_the_qr(wallet_partner, worker, known_secrets):
    # known_secrets: distinct values, where the sandbox's four-digit PIN could match by chance.
    gift_card = factories.product(kind=SupplierKind.VOUCHER, denominations=["50.00"])
    order = factories.order(owner=wallet_partner, product_obj=gift_card, quantity=1, denomination="50.00")
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    (line,) = lines_of(order)
    code, pin = voucher_secret(line.voucher, "code"), voucher_secret(line.voucher, "pin")

    (page,) = ticket_pages(order, [line])
    content = tickets_pdf(order, [page])

    text = pdf_text(content)
    assert code and pin
    assert code not in text and pin not in text and code not in content.decode("latin-1")
    assert code not in qr_texts(content)[0] and code not in page.payload
    assert "50.00 EUR" in text and "delivered separately" in text


def test_refunded_or_revoked_tickets_get_no_page(wallet_partner, worker):
    order = delivered_order(wallet_partner, train(), worker=worker, quantity=3)
    first, second, third = lines_of(order)
    refund_request(
        order_id=order.pk,
        line_ids=[first.pk],
        reason="requested",
        note="",
        actor=Actor.partner(wallet_partner),
        idempotency_key="refund-first-ticket",
    )
    worker()
    voucher_revoke(voucher_id=second.voucher.pk, reason="reported stolen", actor=DOOR)

    pages = ticket_pages(order, lines_of(order))

    assert [page.payload for page in pages] == [ticket_payload(third.voucher)]
    assert pdf_pages(tickets_pdf(order, pages)) == 1


def test_a_copied_ticket_with_an_altered_qr_code_scans_as_not_genuine(wallet_partner, worker):
    order = delivered_order(wallet_partner, train(), worker=worker, quantity=1)
    (page,) = ticket_pages(order, lines_of(order))
    version, voucher_hex, until, signature = page.payload.split(".")
    extended = ".".join([version, voucher_hex, str(int(until) + 365 * 86_400), signature])

    content = tickets_pdf(order, [replace(page, payload=extended)])

    (scanned,) = qr_texts(content)
    assert scanned == extended
    assert ticket_check(payload=scanned, actor=DOOR).result == TicketResult.NOT_GENUINE
