"""The order's page: summary, lines, travellers, vouchers (masked), payments, refunds and timeline.

Given a delivered order with a refund, when staff open its page, then they see every part of it
in a bounded number of queries, codes only masked, and nothing on the page can be saved.
"""

import pytest
from django.urls import reverse

from orders.models import Order, OrderEvent
from orders.vouchers import voucher_secret
from payments.services.refunds import refund_request
from tessera import correlation
from tessera.actors import Actor
from tests import factories
from tests.admin_support import login, order_url, voucher_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(wallet_partner, worker, known_secrets):
    # Distinct secrets: the sandbox's own PIN is four digits, which a page may hold by chance.
    order = voucher_order(wallet_partner, worker=worker)
    with correlation.bound("corr-refund-1"):
        refund_request(
            order_id=order.pk,
            line_ids=[order.lines.get(position=2).pk],
            reason="goodwill",
            note="",
            actor=Actor.partner(wallet_partner),
            idempotency_key="page-test",
        )
    worker()
    return Order.objects.get(pk=order.pk)


def test_the_page_shows_summary_lines_payments_refunds_and_the_timeline(client, order):
    staff = login(client, "desk", role="Support")

    page = staff.get(order_url(order)).content.decode()

    assert order.reference in page and ">PARTIALLY_REFUNDED</span>" in page and "50.00 EUR" in page
    line = order.lines.get(position=1)
    assert line.supplier_booking_ref in page and line.get_sub_status_display() in page
    assert ">REFUNDED</span>" in page and ">ISSUED</span>" in page  # each line's own status
    assert "Payments" in page and ">PARTIALLY_REFUNDED</span>" in page
    assert "Goodwill" in page  # the refund, with its progress on its own page
    timeline = page[page.index("Timeline") :]
    assert "Line issued" in timeline and "RESERVED → ISSUING" in timeline and "corr-refund-1" in timeline
    assert f"{order.partner.name} (partner)" in timeline and "worker (system)" in timeline


def test_vouchers_show_masked_and_never_in_full(client, order):
    staff = login(client, "desk", role="Support")
    voucher = order.lines.get(position=1).voucher

    page = staff.get(order_url(order)).content.decode()

    code = voucher_secret(voucher, "code")
    assert code not in page and voucher_secret(voucher, "pin") not in page
    assert "••••••" + code.replace("-", "")[-4:] in page
    assert "needs the “reveal voucher” permission" in page
    assert reverse("admin:orders_voucher_reveal", args=[voucher.pk]) not in page
    assert order.order_key not in page  # the customer's pages would show the codes


def test_staff_allowed_to_reveal_get_a_reveal_link_for_delivered_vouchers_only(client, order):
    staff = login(client, "boss", role="Admin")
    delivered = order.lines.get(position=1).voucher
    refunded = order.lines.get(position=2).voucher  # revoked with its refund

    page = staff.get(order_url(order)).content.decode()

    assert reverse("admin:orders_voucher_reveal", args=[delivered.pk]) in page
    assert reverse("admin:orders_voucher_reveal", args=[refunded.pk]) not in page
    assert "revoked" in page


def test_travellers_show_on_the_page(client, wallet_partner, worker):
    order = factories.order(owner=wallet_partner, product_obj=factories.product(kind="rail"), quantity=2)
    staff = login(client, "desk", role="Support")

    page = staff.get(order_url(order)).content.decode()

    assert "Traveller0" in page and "Traveller1" in page


def test_nothing_is_saved_from_the_page(client, order):
    staff = login(client, "boss", superuser=True)
    before = OrderEvent.objects.filter(order=order).count()

    response = staff.post(order_url(order), {"contact_email": "thief@example.com", "status": "CANCELED"})
    page = staff.get(order_url(order)).content.decode()

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).contact_email == order.contact_email
    assert OrderEvent.objects.filter(order=order).count() == before
    assert 'name="_save"' not in page


def test_the_page_takes_a_bounded_number_of_queries_whatever_the_order_holds(
    client, wallet_partner, worker, django_assert_max_num_queries
):
    staff = login(client, "boss", superuser=True)
    small = voucher_order(wallet_partner, worker=worker, quantity=1)
    big = voucher_order(wallet_partner, worker=worker, quantity=3)

    with django_assert_max_num_queries(30) as one:
        staff.get(order_url(small))
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = staff.get(order_url(big))

    assert response.status_code == 200
