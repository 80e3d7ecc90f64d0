"""Downloading tickets: the partner through the API (its own orders only), the customer from the
status and tickets pages once paid and issued; gift card codes as a plain list to copy (audited)."""

import pytest
from django.test import Client

from orders.models import Order, OrderEvent
from orders.ticket_signing import ticket_payload
from orders.vouchers import voucher_secret
from suppliers.models import SupplierKind
from tests import factories
from tests.gateway_support import paid, reserved_order
from tests.ticket_support import delivered_order, lines_of, pdf_pages, qr_texts, train

pytestmark = pytest.mark.django_db(transaction=True)


# --- the partner API --------------------------------------------------------------------------------


def test_the_partner_downloads_its_orders_tickets_as_a_pdf(api, worker):
    order = delivered_order(api.partner, train(), worker=worker, quantity=2)

    response = api.get(f"/orders/{order.pk}/tickets.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="tickets-{order.reference}.pdf"' in response["Content-Disposition"]
    assert pdf_pages(response.content) == 2
    assert qr_texts(response.content) == [ticket_payload(lines_of(order)[0].voucher)]


def test_an_order_with_nothing_issued_yet_is_409_tickets_not_issued(api):
    order = api.create_order(train(), 1)

    response = api.get(f"/orders/{order['id']}/tickets.pdf")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["errorCode"], problem["retryable"]) == ("TICKETS_NOT_ISSUED", True)
    assert problem["context"] == {"status": "PENDING"}


def test_another_partners_order_is_not_found(api, other_api, worker):
    order = delivered_order(api.partner, train(), worker=worker, quantity=1)

    response = other_api.get(f"/orders/{order.pk}/tickets.pdf")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "ORDER_NOT_FOUND"
    assert b"%PDF" not in response.content


def test_unknown_query_parameters_are_refused(api, worker):
    order = delivered_order(api.partner, train(), worker=worker, quantity=1)

    assert api.get(f"/orders/{order.pk}/tickets.pdf", {"format": "png"}).status_code == 400


def test_the_download_costs_the_same_queries_for_many_tickets(api, worker, django_assert_max_num_queries):
    small = delivered_order(api.partner, train(), worker=worker, quantity=1)
    large = delivered_order(api.partner, train(), worker=worker, quantity=5)

    with django_assert_max_num_queries(12) as measured:
        assert api.get(f"/orders/{small.pk}/tickets.pdf").status_code == 200
    with django_assert_max_num_queries(len(measured)):
        assert api.get(f"/orders/{large.pk}/tickets.pdf").status_code == 200


# --- the customer's pages ---------------------------------------------------------------------------


def gift_cards(quantity: int = 2) -> Order:
    card = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"])
    return reserved_order(product_obj=card, quantity=quantity, denomination="25.00")


def page(order: Order, name: str):
    return Client().get(f"/checkout/{order.order_key}/{name}")


def test_the_customer_downloads_the_tickets_once_paid_and_issued_from_the_status_and_tickets_pages():
    order = paid(reserved_order(product_obj=train(), quantity=2))
    pdf_link = f"/checkout/{order.order_key}/tickets.pdf"

    response = page(order, "tickets.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert pdf_pages(response.content) == 2
    assert qr_texts(response.content) == [ticket_payload(lines_of(order)[0].voucher)]
    assert pdf_link in page(order, "status").content.decode()
    assert pdf_link in page(order, "tickets").content.decode()


def test_there_is_nothing_to_download_before_the_order_is_paid_and_issued():
    unpaid = reserved_order(product_obj=train())
    not_issued = paid(reserved_order(product_obj=train()), issue=False)

    for order in (unpaid, not_issued):
        assert page(order, "tickets.pdf").status_code == 404
        assert page(order, "codes.txt").status_code == 404
        assert "tickets.pdf" not in page(order, "status").content.decode()
    assert Client().get("/checkout/not-a-real-key/tickets.pdf").status_code == 404


def test_gift_card_codes_come_as_a_plain_list_to_copy_and_each_one_shown_is_audited():
    order = paid(gift_cards(2))
    vouchers = [line.voucher for line in lines_of(order)]

    response = page(order, "codes.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    rows = response.content.decode().splitlines()
    assert rows[0].startswith(f"# Order {order.reference}")
    assert [row.split("\t")[:2] for row in rows[1:]] == [
        [voucher_secret(v, "code"), f"PIN {voucher_secret(v, 'pin')}"] for v in vouchers
    ]
    assert all("25.00 EUR" in row for row in rows[1:])
    reveals = OrderEvent.objects.filter(order=order, transition="voucher.revealed")
    assert sorted(event.subject_id for event in reveals) == sorted(str(v.pk) for v in vouchers)


def test_train_tickets_have_no_list_of_codes_to_copy():
    order = paid(reserved_order(product_obj=train(), quantity=1))

    assert page(order, "codes.txt").status_code == 404
    assert "codes-list" not in page(order, "tickets").content.decode()


def test_the_tickets_page_has_every_code_in_one_block_to_copy():
    order = paid(gift_cards(2))
    codes = [voucher_secret(line.voucher, "code") for line in lines_of(order)]

    html = page(order, "tickets").content.decode()

    block = html[html.index('<textarea id="codes-list"') : html.index("</textarea>")]
    assert all(code in block for code in codes)
    assert "Copy all codes" in html and f"/checkout/{order.order_key}/codes.txt" in html
