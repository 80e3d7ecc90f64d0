"""CSV export of the order list: what the filtered list shows, streamed, refused past its limit.

Given orders of two partners, when staff export the list filtered to one partner (or searched),
then the CSV holds exactly those orders, newest first, amounts in their currency's decimals; when
more orders match than the limit, nothing is exported and the list says why.
"""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from orders import admin_export
from tests import factories
from tests.admin_support import changelist, login, shown

pytestmark = pytest.mark.django_db(transaction=True)

EXPORT = "admin:orders_order_export"


def rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_holds_the_filtered_orders_newest_first(client, wallet_partner):
    staff = login(client, "desk", role="Support")
    product = factories.product(price="12.50")
    older = factories.order(owner=wallet_partner, product_obj=product, contact_email="ada@example.com")
    newer = factories.order(owner=wallet_partner, product_obj=product, contact_email="bob@example.com")
    factories.order(owner=factories.partner(wallet="10.00"), product_obj=product)

    response = staff.get(reverse(EXPORT), {"partner__id__exact": wallet_partner.pk})

    exported = rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert [row["reference"] for row in exported] == [newer.reference, older.reference]
    assert exported[0]["email"] == "bob@example.com" and exported[0]["total"] == "12.50"


def test_the_export_follows_the_search(client, wallet_partner):
    staff = login(client, "desk", role="Support")
    product = factories.product()
    wanted = factories.order(owner=wallet_partner, product_obj=product, contact_email="ada@example.com")
    factories.order(owner=wallet_partner, product_obj=product, contact_email="bob@example.com")

    exported = rows(staff.get(reverse(EXPORT), {"q": "ADA@example.com"}))

    assert [row["reference"] for row in exported] == [wanted.reference]


def test_more_orders_than_the_limit_are_refused_with_a_message(client, wallet_partner, monkeypatch):
    monkeypatch.setattr(admin_export, "EXPORT_LIMIT", 1)
    staff = login(client, "desk", role="Support")
    product = factories.product()
    factories.order(owner=wallet_partner, product_obj=product)
    factories.order(owner=wallet_partner, product_obj=product)

    response = staff.get(reverse(EXPORT), {"status__exact": "PENDING"})

    assert response.status_code == 302 and response["Location"].startswith(changelist())
    assert "status__exact=PENDING" in response["Location"]
    assert "More than 1 orders match: nothing was exported" in shown(response)[0]


def test_the_list_links_to_the_export_with_its_filters(client, wallet_partner):
    staff = login(client, "desk", role="Support")

    page = staff.get(changelist(), {"status__exact": "PENDING"}).content.decode()

    assert f'href="{reverse(EXPORT)}?status__exact=PENDING"' in page


def test_staff_without_the_view_permission_cannot_export(client):
    outsider = login(client, "temp")

    assert outsider.get(reverse(EXPORT)).status_code == 403
