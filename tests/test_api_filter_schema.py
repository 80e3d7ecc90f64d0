"""The OpenAPI document describes each list filter from its FilterSet: the value's own type,
format and enum, the operators it takes, and operator forms a client can check values against."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from orders.api.filters import OrderFilters
from orders.statuses import BillingMode, OrderStatus
from payments.api.filters import CreditNoteFilters, InvoiceFilters, LedgerFilters, RefundFilters
from payments.models import InvoiceStatus, RefundStatus
from suppliers.api.filters import ProductFilters
from suppliers.models import SupplierKind
from tessera.api.filtering import OPERATORS, TIMESTAMP_PATTERN, UUID_PATTERN

LISTS = [
    ("/api/v1/orders", OrderFilters),
    ("/api/v1/products", ProductFilters),
    ("/api/v1/orders/{order_id}/refunds", RefundFilters),
    ("/api/v1/wallets/{currency}/ledger", LedgerFilters),
    ("/api/v1/invoices", InvoiceFilters),
    ("/api/v1/credit-notes", CreditNoteFilters),
]


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def parameters(schema: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}


def occurrence(parameter: dict) -> list[dict]:
    """The forms one occurrence of a repeatable filter parameter may take."""
    assert parameter["schema"]["type"] == "array"
    assert (parameter["style"], parameter["explode"]) == ("form", True)
    return parameter["schema"]["items"]["anyOf"]


def accepts(forms: list[dict], value: str) -> bool:
    """Whether a prefixed value fits one of the operator forms' patterns."""
    return any(re.fullmatch(form["pattern"].strip("^$"), value) for form in forms[1:])


@pytest.mark.parametrize(("path", "filterset"), LISTS, ids=[path for path, _ in LISTS])
def test_every_filter_is_documented_with_its_value_schema_and_operators(schema, path, filterset):
    documented = parameters(schema, path)

    for name, spec in filterset.base_filters.items():
        parameter = documented[name]
        assert parameter["x-operators"] == sorted(spec.operators, key=OPERATORS.index), name
        assert occurrence(parameter)[0] == spec.value.schema, name
        for operator in spec.operators:
            assert operator in parameter["description"], (name, operator)


def test_the_order_filters_carry_their_real_types_and_enums(schema):
    documented = parameters(schema, "/api/v1/orders")
    bare = {
        name: occurrence(parameter)[0] for name, parameter in documented.items() if "x-operators" in parameter
    }

    assert bare["status"] == {"type": "string", "enum": list(OrderStatus.values)}
    assert bare["paymentMethod"]["enum"] == list(BillingMode.values)
    assert bare["createdAt"] == {"type": "string", "format": "date-time", "pattern": f"^{TIMESTAMP_PATTERN}$"}
    assert bare["startTime"]["format"] == "date-time"
    assert bare["id"] == {"type": "string", "format": "uuid", "pattern": f"^{UUID_PATTERN}$"}
    assert bare["product"]["type"] == "integer"
    assert bare["totalAmount"]["format"] == "decimal"
    assert bare["reference"]["pattern"] == "^[A-Za-z0-9-]{1,16}$"
    assert bare["externalReference"]["maxLength"] == 128


def test_the_other_lists_carry_their_enums(schema):
    def enum(path: str, name: str) -> list:
        return occurrence(parameters(schema, path)[name])[0]["enum"]

    assert enum("/api/v1/products", "kind") == list(SupplierKind.values)
    assert enum("/api/v1/orders/{order_id}/refunds", "status") == list(RefundStatus.values)
    assert enum("/api/v1/invoices", "status") == list(InvoiceStatus.values)
    assert (
        occurrence(parameters(schema, "/api/v1/wallets/{currency}/ledger")["at"])[0]["format"] == "date-time"
    )


def test_the_operator_forms_take_what_the_filter_takes_and_nothing_else(schema):
    documented = parameters(schema, "/api/v1/orders")
    status, created, total = (occurrence(documented[name]) for name in ("status", "createdAt", "totalAmount"))

    assert accepts(status, "in:PENDING,FULFILLED")
    assert accepts(status, "ne:CANCELED")
    assert not accepts(status, "like:PENDING")
    assert not accepts(status, "gt:PENDING")
    assert not accepts(status, "in:PENDING,SHIPPED")
    assert accepts(created, "gte:2026-01-01T00:00:00Z")
    assert not accepts(created, "in:2026-01-01T00:00:00Z")
    assert accepts(total, "lt:99.50")
    assert accepts(total, "nin:10,20")
    assert not accepts(total, "lt:lots")


def test_a_bare_text_value_may_not_look_like_an_operator(schema):
    text = occurrence(parameters(schema, "/api/v1/orders")["externalReference"])[0]

    assert re.match(text["pattern"], "PO:17")
    assert not re.match(text["pattern"], "like:x")
