"""Partners find an order by Tessera's own reference, the number customers and support quote
(``reference=T-...`` was a 400): case ignored, only their own orders."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(api):
    product = factories.product()
    return [factories.order(owner=api.partner, product_obj=product) for _ in range(3)]


@pytest.fixture
def theirs(other_api):
    return factories.order(owner=other_api.partner, product_obj=factories.product())


def listed(api, **params) -> list[str]:
    response = api.get("/orders", params)
    assert response.status_code == 200, response.json()
    return [item["reference"] for item in response.json()["items"]]


def test_an_order_is_found_by_its_reference(api, mine):
    assert listed(api, reference=mine[1].reference) == [mine[1].reference]


def test_the_reference_is_found_whatever_its_case(api, mine):
    assert listed(api, reference=mine[1].reference.lower()) == [mine[1].reference]


def test_another_partners_reference_finds_nothing(api, mine, theirs):
    assert listed(api, reference=theirs.reference) == []
    assert listed(api, reference=f"in:{theirs.reference},{mine[0].reference}") == [mine[0].reference]


def test_the_equality_operators_work_on_references(api, mine):
    first, second, third = (order.reference for order in mine)

    assert set(listed(api, reference=f"ne:{first}")) == {second, third}
    assert set(listed(api, reference=f"in:{first},{third}")) == {first, third}
    assert listed(api, reference=f"nin:{first},{third}") == [second]


def test_a_reference_no_order_has_finds_nothing(api, mine):
    assert listed(api, reference="T-AAAAAAAAAA") == []


@pytest.mark.parametrize(
    "value", ["T-AAAA AAAA", "T_AAAAAAAAAA", "T-" + "A" * 15, "gt:T-AAAAAAAAAA", "like:x", ""]
)
def test_what_is_not_a_reference_or_its_operator_is_refused_naming_the_filter(api, mine, value):
    response = api.get("/orders", {"reference": value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reference"]
