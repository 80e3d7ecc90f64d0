"""Every operator on every kind of value an OperatorFilter reads: the rows kept are the rows a
plain comparison of the stored values keeps (given three rows a < b < c, each operator on b)."""

from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

import django_filters
import pytest
from django.http import QueryDict

from orders.api.filters import ORDER_ID, REFERENCE
from orders.models import Order
from orders.statuses import OrderStatus
from suppliers.models import Product
from tessera.api.filtering import (
    CURRENCY,
    DECIMAL,
    EQUALITY,
    INTEGER,
    ORDERED,
    TIMESTAMP,
    OperatorFilter,
    apply_filters,
    choice,
    text,
)
from tests import factories

pytestmark = pytest.mark.django_db


class EveryKind(django_filters.FilterSet):
    status = OperatorFilter("status", choice(OrderStatus.values), ORDERED)
    externalReference = OperatorFilter("external_reference", text(128), ORDERED)
    contactEmail = OperatorFilter("contact_email", text(254, lower=True), ORDERED)
    createdAt = OperatorFilter("created_at", TIMESTAMP, ORDERED)
    totalAmount = OperatorFilter("total_amount", DECIMAL, ORDERED)
    currency = OperatorFilter("currency", CURRENCY, ORDERED)
    reference = OperatorFilter("reference", REFERENCE, ORDERED)
    id = OperatorFilter("id", ORDER_ID, EQUALITY)

    class Meta:
        model = Order
        fields = []


class ProductIds(django_filters.FilterSet):
    id = OperatorFilter("pk", INTEGER, ORDERED)

    class Meta:
        model = Product
        fields = []


# Stored in rows a, b, c (ascending), then how a partner writes the values of a, b and c.
STORED = {
    "status": ("FULFILLED", "PENDING", "PROCESSING"),
    "externalReference": ("a-1", "b-2", "c-3"),
    "contactEmail": ("a@example.com", "b@example.com", "c@example.com"),
    "createdAt": tuple(datetime(2026, 1, day, tzinfo=UTC) for day in (1, 2, 3)),
    "totalAmount": (Decimal("10.00"), Decimal("20.50"), Decimal("30.00")),
    "currency": ("EUR", "NOK", "SEK"),
    "reference": ("T-AAAAAAAAAA", "T-BBBBBBBBBB", "T-CCCCCCCCCC"),
}
WRITTEN = {
    **STORED,
    "contactEmail": ("A@Example.com", "B@EXAMPLE.COM", "c@example.COM"),
    "createdAt": ("2026-01-01T00:00:00Z", "2026-01-02T01:00:00+01:00", "2026-01-03T00:00:00Z"),
    "totalAmount": ("10", "20.5", "30.000"),
    "currency": ("eur", "NOK", "sek"),
    "reference": ("t-aaaaaaaaaa", "T-BBBBBBBBBB", "t-CCCCCCCCCC"),
}
FIELDS = {name: spec.field_name for name, spec in EveryKind.base_filters.items()}

# Each operator on b's value (in/nin on a's and c's), and the rows it keeps.
EXPECTED = {
    "eq": {"b"},
    "ne": {"a", "c"},
    "gt": {"c"},
    "gte": {"b", "c"},
    "lt": {"a"},
    "lte": {"a", "b"},
    "in": {"a", "c"},
    "nin": {"b"},
}


def query(operator: str, values: tuple) -> str:
    a, b, c = values
    return f"{operator}:{a},{c}" if operator in {"in", "nin"} else f"{operator}:{b}"


def kept(queryset, filterset, name: str, raw: str, names: dict) -> set[str]:
    rows = apply_filters(queryset, QueryDict(urlencode({name: raw})), filterset)
    return {names[pk] for pk in rows.values_list("pk", flat=True)}


@pytest.fixture
def orders() -> dict:
    owner = factories.partner(wallet="0")
    product = factories.product()
    names = {}
    for position, name in enumerate("abc"):
        order = factories.order(owner=owner, product_obj=product)
        values = {FIELDS[field]: stored[position] for field, stored in STORED.items()}
        Order.objects.filter(pk=order.pk).update(**values)
        names[order.pk] = name
    return names


@pytest.mark.parametrize("operator", EXPECTED)
@pytest.mark.parametrize("name", STORED)
def test_each_operator_on_each_kind_of_value(orders, name, operator):
    queryset = Order.objects.filter(pk__in=orders)

    assert kept(queryset, EveryKind, name, query(operator, WRITTEN[name]), orders) == EXPECTED[operator]


@pytest.mark.parametrize("operator", ["eq", "ne", "in", "nin"])
def test_each_equality_operator_on_ids(orders, operator):
    ids = {name: str(pk) for pk, name in orders.items()}
    queryset = Order.objects.filter(pk__in=orders)

    assert (
        kept(queryset, EveryKind, "id", query(operator, (ids["a"], ids["b"], ids["c"])), orders)
        == (EXPECTED[operator])
    )


@pytest.mark.parametrize("operator", EXPECTED)
def test_each_operator_on_whole_numbers(operator):
    products = {factories.product().pk: name for name in "abc"}
    values = tuple(str(pk) for pk in sorted(products))

    got = kept(Product.objects.filter(pk__in=products), ProductIds, "id", query(operator, values), products)

    assert got == EXPECTED[operator]


def test_a_parameter_given_twice_must_hold_both_times(orders):
    params = QueryDict("totalAmount=gt:10&totalAmount=lt:30")

    rows = apply_filters(Order.objects.filter(pk__in=orders), params, EveryKind)

    assert {orders[pk] for pk in rows.values_list("pk", flat=True)} == {"b"}
