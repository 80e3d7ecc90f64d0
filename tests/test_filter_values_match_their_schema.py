"""Every filter value the OpenAPI document admits, the filter accepts, and every value it does not
admit, the filter refuses: what schemathesis checks both ways on the live lists, here per value
kind, with the values schemathesis found (a time in year 0, a slug holding a control character)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.api.filters import OrderFilters
from payments.api.filters import InvoiceFilters, LedgerFilters, RefundFilters
from suppliers.api.filters import ProductFilters
from tessera.api.filtering import EARLIEST, LATEST, TIMESTAMP, fits, read_term
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

FILTERS = {
    f"{filterset.__name__}.{name}": spec
    for filterset in (OrderFilters, ProductFilters, RefundFilters, LedgerFilters, InvoiceFilters)
    for name, spec in filterset.base_filters.items()
}
SAMPLES = [
    "0000-01-01T00:00Z",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2026-04-31T00:00Z",
    "2026-01-31T23:59:59.999999Z",
    "2026-01-01T00:00:00.1234567Z",
    "2026-01-01T24:00Z",
    "2026-01-01t00:00z",
    "2026-01-01 00:00Z",
    "2026-01-01T00:00",
    "2026-01-01T00:00+05:30",
    "20260101T000000Z",
    "0001-01",
    "0000-12",
    "sandbox-air",
    "sandbox\x1fair",
    "sandbox\x85air",
    " sandbox-air",
    "a" * 65,
    "a,b",
    "PO:17",
    "1e5",
    "+5",
    "99.50",
    "٣",
    "EUR",
    "ÄÖÜ",
    "94527f01-65b0-4dc7-98b0-9592f0fb0285",
    "94527f0165b04dc798b09592f0fb0285",
    "{94527f01-65b0-4dc7-98b0-9592f0fb0285}",
    "T-SD8XJP4GNP",
    "PENDING",
    "rail",
    "",
]


def schema_admits(occurrence: dict, raw: str) -> bool:
    """Whether one occurrence of the parameter fits a form of its documented schema."""
    for form in occurrence["anyOf"]:
        if form.get("type") == "integer":
            fitting = fits("[0-9]+", raw) and form["minimum"] <= int(raw) <= form["maximum"]
        elif "enum" in form:
            fitting = raw in form["enum"]
        else:
            fitting = (
                form.get("minLength", 0) <= len(raw) <= form.get("maxLength", len(raw))
                and re.search(form["pattern"], raw, re.ASCII) is not None
            )
        if fitting:
            return True
    return False


def filter_accepts(spec, raw: str) -> bool:
    try:
        read_term(raw, spec.value, spec.operators)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name", FILTERS)
def test_the_schema_admits_exactly_the_values_the_filter_accepts(name):
    spec = FILTERS[name]
    occurrence = spec.occurrence_schema()
    operators = sorted(spec.operators)
    values = [*SAMPLES, *(f"{op}:{raw}" for op in operators for raw in SAMPLES), "in:EUR,USD", "eq:a,b"]

    disagreements = [raw for raw in values if schema_admits(occurrence, raw) != filter_accepts(spec, raw)]

    assert disagreements == []


@settings(max_examples=500, deadline=None)
@given(raw=st.from_regex(f"^{TIMESTAMP.pattern}$", fullmatch=True))
def test_every_time_the_pattern_admits_is_read(raw):
    assert TIMESTAMP.parse(raw).tzinfo is not None


def test_the_time_pattern_knows_the_calendar():
    for year in (1, 4, 100, 400, 1900, 2000, 2024, 2026, 9996, 9999):
        assert fits(TIMESTAMP.pattern, f"{year:04d}-02-29T00:00Z") == (
            year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        ), year
        assert fits(TIMESTAMP.pattern, f"{year:04d}-12-31T00:00Z")
        assert not fits(TIMESTAMP.pattern, f"{year:04d}-06-31T00:00Z")


def test_a_time_beyond_the_years_a_time_holds_reads_as_the_first_or_last_instant():
    assert TIMESTAMP.parse("0001-01-01T00:00+01:00") == EARLIEST
    assert TIMESTAMP.parse("9999-12-31T23:00-05:00") == LATEST


def test_a_list_filtered_at_the_edges_of_time_answers():
    client = client_for(factories.partner())
    factories.order(owner=client.partner, product_obj=factories.product())
    url = "/api/v1/orders"

    before = client.get(url, {"createdAt": "gte:0001-01-01T00:00+01:00"})
    after = client.get(url, {"createdAt": "lt:9999-12-31T23:00-05:00"})
    year_zero = client.get(url, {"createdAt": "gte:0000-01-01T00:00Z"})

    assert (before.status_code, len(before.json()["items"])) == (200, 1)
    assert (after.status_code, len(after.json()["items"])) == (200, 1)
    assert year_zero.status_code == 400


def test_updated_since_is_documented_with_the_pattern_it_is_read_by():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (paging,) = (p for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"] if p["name"] == "paging")

    since = [
        form["properties"]["updatedSince"]
        for form in paging["schema"]["anyOf"]
        if "updatedSince" in form.get("properties", {})
    ]

    assert since and all(form["pattern"] == TIMESTAMP.schema["pattern"] for form in since)
