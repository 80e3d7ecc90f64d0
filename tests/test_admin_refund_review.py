"""A staff refund is reviewed before it is written, and nothing is chosen for staff.

Given a delivered order paid from a wallet, when Finance opens "Refund…", then no line is
pre-checked; when they send the form, a review shows the amount and where the money goes and
nothing is refunded until they confirm; "Change" brings the filled form back. Support, without
the permission, gets the refusal explained inside the back office (not a bare 403 page).
"""

import re

import pytest
from django.urls import reverse

from payments.models import Refund
from tests import factories
from tests.admin_support import delivered_order, login, order_url
from tests.refund_support import delivered

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(wallet_partner, worker):
    return delivered_order(wallet_partner, worker=worker)


def refund_url(order) -> str:
    return reverse("admin:orders_order_refund", args=[order.pk])


def form_key(page: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)


def test_no_line_is_pre_checked(client, order):
    finance = login(client, "money", role="Finance")

    page = finance.get(refund_url(order)).content.decode()

    assert page.count('name="lines"') == 2
    assert not any("checked" in box for box in re.findall(r'<input type="checkbox" name="lines"[^>]*>', page))


def test_the_review_shows_amount_and_destination_and_writes_nothing(client, order, wallet_partner):
    finance = login(client, "money", role="Finance")
    key = form_key(finance.get(refund_url(order)).content.decode())
    data = {"lines": [order.lines.get(position=1).pk], "reason": "goodwill", "note": "late", "key": key}

    review = finance.post(refund_url(order), data)

    body = review.content.decode()
    assert review.status_code == 200 and 'id="refund-review"' in body
    assert "up to 70.00 EUR" in body
    assert f"Back to {wallet_partner.name}&#x27;s wallet" in body
    assert 'name="confirmed" value="yes"' in body and "Confirm refund" in body
    assert not Refund.objects.exists()


def test_confirming_the_review_refunds_once(client, order):
    finance = login(client, "money", role="Finance")
    key = form_key(finance.get(refund_url(order)).content.decode())
    data = {"amount": "12.00", "reason": "goodwill", "key": key, "confirmed": "yes"}

    response = finance.post(refund_url(order), data)

    assert response.status_code == 302 and response["Location"] == order_url(order)
    assert Refund.objects.get().amount == 12


def test_change_brings_the_filled_form_back_without_refunding(client, order):
    finance = login(client, "money", role="Finance")
    key = form_key(finance.get(refund_url(order)).content.decode())
    data = {"amount": "12.00", "reason": "goodwill", "key": key, "confirmed": "yes", "change": "Change"}

    page = finance.post(refund_url(order), data).content.decode()

    assert 'name="amount" value="12.00"' in page and "Review the refund" in page
    assert not Refund.objects.exists()


def test_an_invoice_refund_says_it_becomes_a_credit_note(client, worker):
    partner = factories.partner(invoice=True, name="Nordic Agency")
    order = delivered(partner, factories.product(price="70.00"), worker=worker, method="invoice")
    finance = login(client, "money", role="Finance")
    key = form_key(finance.get(refund_url(order)).content.decode())

    body = finance.post(
        refund_url(order), {"amount": "5.00", "reason": "goodwill", "key": key}
    ).content.decode()

    assert "A credit note on Nordic Agency&#x27;s monthly invoice." in body


def test_support_gets_the_refusal_explained_inside_the_back_office(client, order):
    support = login(client, "desk", role="Support")

    response = support.get(refund_url(order))

    body = response.content.decode()
    assert response.status_code == 403
    assert "Refunding needs the “Can add refund” permission" in body
    assert 'id="site-name"' in body and order_url(order) in body
