"""An operator a filter does not know is refused naming it, on every filterable list, for every
filter: ``status=like:PENDING`` used to be read as a value, ``externalReference=like:x`` to match
nothing in silence."""

import pytest

from orders.api.filters import OrderFilters
from payments.api.filters import CreditNoteFilters, InvoiceFilters, LedgerFilters, RefundFilters
from suppliers.api.filters import ProductFilters
from tests import factories

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"

LISTS = [
    ("/orders", OrderFilters),
    ("/products", ProductFilters),
    ("/orders/{order_id}/refunds", RefundFilters),
    ("/wallets/EUR/ledger", LedgerFilters),
    ("/invoices", InvoiceFilters),
    ("/credit-notes", CreditNoteFilters),
]
CASES = [(path, name) for path, filterset in LISTS for name in filterset.base_filters]


@pytest.fixture
def order(api):
    return factories.order(owner=api.partner, product_obj=factories.product())


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{path}:{name}" for path, name in CASES])
def test_an_unknown_operator_is_refused_naming_it(api, order, path, name):
    response = api.get(path.format(order_id=order.pk), {name: "like:x"})

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["errorCode"] == "INVALID_FILTER"
    assert list(body["errors"]) == [name]
    assert body["errors"][name][0].startswith("Unknown operator 'like'; use eq,"), body


def test_status_like_pending_is_an_unknown_operator_not_a_value(api, order):
    response = api.get("/orders", {"status": "like:PENDING"})

    assert response.status_code == 400
    assert "Unknown operator 'like'" in response.json()["errors"]["status"][0]


def test_a_reference_that_starts_with_a_word_and_a_colon_is_found_with_eq(api):
    order = factories.order(owner=api.partner, product_obj=factories.product(), external_reference="po:17")

    refused = api.get("/orders", {"externalReference": "po:17"})
    found = api.get("/orders", {"externalReference": "eq:po:17"})

    assert refused.status_code == 400
    assert "Unknown operator 'po'" in refused.json()["errors"]["externalReference"][0]
    assert [item["id"] for item in found.json()["items"]] == [str(order.pk)]


def test_upper_case_and_digits_before_a_colon_are_values_not_operators(api):
    order = factories.order(owner=api.partner, product_obj=factories.product(), external_reference="PO:17")

    by_reference = api.get("/orders", {"externalReference": "PO:17"})
    by_time = api.get("/orders", {"createdAt": "2000-01-01T00:00:00Z"})

    assert [item["id"] for item in by_reference.json()["items"]] == [str(order.pk)]
    assert by_time.status_code == 200
    assert by_time.json()["items"] == []
