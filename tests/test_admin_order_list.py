"""The order list: its columns, filters and search find the right orders, with a bounded number of queries.

Given orders in several states, partners, suppliers and payment methods, when staff filter or
search the list, then exactly the matching orders are listed; the list never counts more than
10,000 matches, and its query count does not grow with the number of orders.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from payments.services import finalization
from tessera import admin_base
from tessera.actors import Actor
from tessera.admin_display import staff_time
from tests import factories
from tests.admin_support import changelist, delivered_order, login, unknown_line

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    return login(client, "desk", role="Support")


def listed(client, **params) -> str:
    response = client.get(changelist(), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_reference_partner_status_badge_method_total_and_times(staff, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    pending = factories.order(owner=wallet_partner, product_obj=factories.product(), quantity=1)

    page = listed(staff)

    assert order.reference in page and wallet_partner.name in page
    assert 'class="status-badge"' in page and ">FULFILLED</span>" in page
    assert "140.00 EUR" in page and "wallet" in page.lower()
    assert f"finalized {staff_time(order.finalized_at)}" in page
    assert f"expires {staff_time(pending.expires_at)}" in page


def test_filters_by_status_partner_supplier_and_payment_method(staff, worker):
    wallet, invoice = factories.partner(wallet="1000.00"), factories.partner(invoice=True)
    rail, air = factories.product(kind="rail"), factories.product(kind="air")
    by_wallet = delivered_order(wallet, worker=worker)
    by_invoice = factories.order(owner=invoice, product_obj=air, quantity=1)
    worker()
    finalization.order_finalize(order_id=by_invoice.pk, method="invoice", actor=Actor.partner(invoice))
    worker()
    pending_rail = factories.order(owner=wallet, product_obj=rail, quantity=1)

    assert set(refs(listed(staff, status__exact="PENDING"))) == {pending_rail.reference}
    assert set(refs(listed(staff, partner__id__exact=invoice.pk))) == {by_invoice.reference}
    assert set(refs(listed(staff, supplier=rail.supplier_id))) == {pending_rail.reference}
    assert set(refs(listed(staff, supplier=air.supplier_id))) == {by_invoice.reference}
    assert set(refs(listed(staff, payment_method__exact="wallet"))) == {by_wallet.reference}


def test_created_date_range_includes_both_days_and_ignores_the_rest(staff, wallet_partner):
    product = factories.product()
    old, recent = (factories.order(owner=wallet_partner, product_obj=product) for _ in range(2))
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    today = timezone.now().date()

    page = listed(
        staff, created_at__from=(today - timedelta(days=1)).isoformat(), created_at__to=today.isoformat()
    )

    assert refs(page) == [recent.reference]
    assert refs(listed(staff, created_at__to=(today - timedelta(days=39)).isoformat())) == [old.reference]
    assert "Past 7 days" in page and 'type="date"' in page


def test_a_malformed_day_is_refused_not_an_error(staff, wallet_partner):
    response = staff.get(changelist(), {"created_at__from": "yesterday"})

    assert response.status_code == 302 and "e=1" in response["Location"]


def test_a_supplier_that_is_no_number_lists_nothing_instead_of_failing(staff, wallet_partner):
    factories.order(owner=wallet_partner, product_obj=factories.product())

    assert "0 orders" in listed(staff, supplier="\u00b2")  # "²" is a digit to isdigit(), not to int()


def test_needs_attention_finds_each_kind_of_order_waiting_for_a_person(staff, wallet_partner, worker):
    fine = delivered_order(wallet_partner, worker=worker)
    stuck = delivered_order(wallet_partner, worker=worker)
    Order.objects.filter(pk=stuck.pk).update(
        status="PROCESSING", finalized_at=timezone.now() - timedelta(hours=1)
    )
    failed = factories.order(owner=wallet_partner, product_obj=factories.product(behaviour={"fail": "issue"}))
    worker()
    finalization.order_finalize(order_id=failed.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    expiring = factories.order(owner=wallet_partner, product_obj=factories.product())
    Order.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() + timedelta(minutes=3))
    unknown = unknown_line(wallet_partner, worker=worker).order  # last: a worker run would resolve it

    assert refs(listed(staff, attention="unknown")) == [unknown.reference]
    assert refs(listed(staff, attention="stuck")) == [stuck.reference]
    assert refs(listed(staff, attention="failed")) == [failed.reference]
    assert refs(listed(staff, attention="expiring")) == [expiring.reference]
    everything = set(refs(listed(staff, attention="any")))
    assert everything == {unknown.reference, stuck.reference, failed.reference, expiring.reference}
    assert fine.reference not in everything


@pytest.mark.parametrize("how", ["id", "reference in lower case", "external reference", "email in capitals"])
def test_search_finds_an_order_by_each_of_its_identifiers(staff, wallet_partner, worker, how):
    order = delivered_order(wallet_partner, worker=worker)
    other = delivered_order(factories.partner(wallet="500.00"), worker=worker)
    Order.objects.filter(pk=order.pk).update(external_reference="PO-4471", contact_email="ada@example.com")
    term = {
        "id": str(order.pk),
        "reference in lower case": order.reference.lower(),
        "external reference": "PO-4471",
        "email in capitals": "ADA@Example.COM",
    }[how]

    assert refs(listed(staff, q=term)) == [order.reference]
    assert other.reference not in listed(staff, q=term)


def test_search_finds_an_order_by_a_line_supplier_booking_reference(staff, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    delivered_order(wallet_partner, worker=worker)
    booking = order.lines.get(position=2).supplier_booking_ref

    assert refs(listed(staff, q=booking)) == [order.reference]


@pytest.mark.parametrize("term", ["nothing-like-this", str(uuid.uuid4()), "   "])
def test_search_for_anything_else_answers(staff, wallet_partner, term):
    factories.order(owner=wallet_partner, product_obj=factories.product())

    response = staff.get(changelist(), {"q": term})

    assert response.status_code == 200


def test_the_list_counts_at_most_the_cap_and_says_so(staff, wallet_partner, monkeypatch):
    monkeypatch.setattr(admin_base, "COUNT_CAP", 3)
    product = factories.product()
    for _ in range(5):
        factories.order(owner=wallet_partner, product_obj=product)

    page = listed(staff)

    assert "3+ orders" in page
    assert "5 orders" not in page


@pytest.mark.parametrize(
    "params", [{}, {"status__exact": "PENDING", "supplier": "SUPPLIER"}, {"q": "buyer@example.com"}]
)
def test_the_query_count_does_not_grow_with_the_orders_listed(staff, wallet_partner, params):
    product = factories.product()
    params = {name: product.supplier_id if value == "SUPPLIER" else value for name, value in params.items()}
    factories.order(owner=wallet_partner, product_obj=product)
    with CaptureQueriesContext(connection) as one:
        assert len(refs(listed(staff, **params))) == 1
    for _ in range(12):
        factories.order(owner=factories.partner(wallet="100.00"), product_obj=product)

    with CaptureQueriesContext(connection) as thirteen:
        assert len(refs(listed(staff, **params))) == 13

    # On PostgreSQL a search asks once whether anything matches exactly before the pg_trgm search
    # of names and e-mails (orders.admin_filters.search_orders): one query more than on SQLite.
    assert len(thirteen) == len(one) <= 10


def refs(page: str) -> list[str]:
    """Order references in the list's rows, top to bottom."""
    return re.findall(r'<th class="field-reference"><a href="[^"]+">([A-Z0-9-]+)</a></th>', page)
