"""Pages staff read: amounts in their currency's decimals, one time format, timeline rows in words.

Given a delivered order with a refunded line, when staff open the order, a line and the refund,
then amounts read "25.00 EUR" (never the column's three decimals), every time reads
"7 Dec 2026, 00:01 UTC", a line's timeline rows name the line, their details are words, and a
finalized order no longer shows when it would have expired.
"""

import re

import pytest
from django.urls import reverse

from orders.models import Order
from payments.models import Refund
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tessera.admin_display import details, staff_time
from tests import factories
from tests.admin_support import login, order_url, voucher_order

pytestmark = pytest.mark.django_db(transaction=True)

ONE_TIME_FORMAT = r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC"
OTHER_TIME_FORMATS = [
    r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",
    r"[ap]\.m\.",
    r"midnight",
    r"noon",
    r"[A-Z][a-z]{2}\. \d",
]


@pytest.fixture
def order(wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker)
    refund_request(
        order_id=order.pk,
        line_ids=[order.lines.get(position=2).pk],
        reason="goodwill",
        note="",
        actor=Actor.partner(wallet_partner),
        idempotency_key="readable-pages",
    )
    worker()
    return Order.objects.get(pk=order.pk)


def timeline_of(page: str) -> str:
    return page[page.index('id="events-group"') :]


def test_amounts_print_with_the_currencys_decimals(client, order):
    staff = login(client, "boss", superuser=True)
    line = order.lines.get(position=1)
    refund = Refund.objects.get(order=order)

    pages = [
        staff.get(order_url(order)).content.decode(),
        staff.get(reverse("admin:orders_orderline_change", args=[line.pk])).content.decode(),
        staff.get(reverse("admin:payments_refund_change", args=[refund.pk])).content.decode(),
    ]

    for page in pages:
        assert not re.search(r"\b\d+\.\d{3}( EUR|\s*<)", page), re.search(r".{40}\d\.\d{3}\b.{20}", page)
    assert "25.00 EUR" in pages[1]


def test_refund_lines_and_inline_titles_read_as_words(client, order):
    staff = login(client, "boss", superuser=True)
    refund = Refund.objects.get(order=order)

    order_page = staff.get(order_url(order)).content.decode()
    refund_page = staff.get(reverse("admin:payments_refund_change", args=[refund.pk])).content.decode()

    assert "RefundLine object" not in refund_page
    assert "Line 2: " in refund_page and "25.00 EUR back" in refund_page
    assert f"{order.pk}#" not in order_page
    assert "Line 1: " in order_page


def test_every_time_on_the_order_page_has_one_format(client, order):
    staff = login(client, "boss", superuser=True)

    page = staff.get(order_url(order)).content.decode()

    assert staff_time(order.created_at) in page
    assert re.search(ONE_TIME_FORMAT, timeline_of(page))
    for other in OTHER_TIME_FORMATS:
        assert not re.search(other, page), other


def test_a_lines_timeline_rows_say_which_line_in_words(client, order):
    staff = login(client, "boss", superuser=True)

    timeline = timeline_of(staff.get(order_url(order)).content.decode())

    assert "line 1" in timeline and "line 2" in timeline
    assert "booking reference: " in timeline and "bookingReference" not in timeline
    assert "<p>Line issued</p>" in timeline
    assert "['" not in timeline and "{'" not in timeline and "[2]" not in timeline


def test_details_turn_json_into_words():
    payload = {"failed": [2, 3], "reason": "not_delivered", "nextAttemptAt": "2026-12-07T00:01:02+00:00"}

    assert details(payload) == "failed: 2, 3; reason: not delivered; next attempt at: 7 Dec 2026, 00:01 UTC"
    assert details({}) == "-"


def test_a_finalized_order_shows_no_expiry(client, order, wallet_partner):
    staff = login(client, "boss", superuser=True)
    pending = factories.order(owner=wallet_partner, product_obj=factories.product())

    finalized_page = staff.get(order_url(order)).content.decode()
    pending_page = staff.get(order_url(pending)).content.decode()

    assert "Expires at" not in finalized_page and "Finalized at" in finalized_page
    assert "Expires at" in pending_page
