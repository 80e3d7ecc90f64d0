"""The order list's search ignores case, as its help text says, and finds part of a customer.

Given orders whose external reference and supplier booking reference staff type in the wrong
case, when they search, then the order is found (through upper-cased functional indexes). On
PostgreSQL a term of three characters or more that matches nothing exactly finds the orders whose
customer's name or email contains it (trigram indexes); an exact match never widens to those.
"""

import re

import pytest

from orders.models import Order, OrderLine
from tests import factories
from tests.admin_support import changelist, delivered_order, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    return login(client, "desk", role="Support")


def found(client, term: str) -> list[str]:
    response = client.get(changelist(), {"q": term})
    assert response.status_code == 200
    return re.findall(
        r'<th class="field-reference"><a href="[^"]+">([A-Z0-9-]+)</a></th>', response.content.decode()
    )


def test_a_supplier_booking_reference_in_lower_case_finds_its_order(staff, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    other = delivered_order(wallet_partner, worker=worker)
    OrderLine.objects.filter(order=other).update(supplier_booking_ref="SBX-OTHER")
    OrderLine.objects.filter(order=order).update(supplier_booking_ref="SBX1AF1F9CE04A2")

    assert found(staff, "sbx1af1f9ce04a2") == [order.reference]


def test_an_external_reference_in_another_case_finds_its_order(staff, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    Order.objects.filter(pk=order.pk).update(external_reference="Po-4471-Ab")

    assert found(staff, "PO-4471-AB") == [order.reference]
    assert found(staff, "po-4471-ab") == [order.reference]


def test_the_line_list_finds_a_booking_reference_in_lower_case(staff, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    OrderLine.objects.filter(order=order, position=1).update(supplier_booking_ref="SBX77AA")

    page = staff.get("/admin/orders/orderline/", {"q": "sbx77aa"}).content.decode()

    assert "1 order line" in page and "Line 1: " in page


@pytest.mark.postgres
def test_part_of_a_customers_name_or_email_finds_the_order_on_postgresql(staff, wallet_partner):
    product = factories.product()
    ada = factories.order(owner=wallet_partner, product_obj=product, contact_email="ada.lovelace@example.com")
    Order.objects.filter(pk=ada.pk).update(contact_name="Ada Lovelace")
    other = factories.order(owner=wallet_partner, product_obj=product, contact_email="grace@example.com")
    Order.objects.filter(pk=other.pk).update(contact_name="Grace Hopper")

    assert found(staff, "lovel") == [ada.reference]
    assert found(staff, "ADA.LOVE") == [ada.reference]
    assert found(staff, "hopp") == [other.reference]
    assert found(staff, "ad") == []  # too short to look inside names


@pytest.mark.postgres
def test_an_exact_match_is_not_widened_to_names_that_contain_it(staff, wallet_partner):
    product = factories.product()
    exact = factories.order(owner=wallet_partner, product_obj=product, contact_email="ann@example.com")
    factories.order(owner=wallet_partner, product_obj=product, contact_email="joann@example.com")

    assert found(staff, "ann@example.com") == [exact.reference]
