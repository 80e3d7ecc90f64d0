"""The OpenAPI document describes instant orders and the rate-limit headers, so a client generated
from it alone can send one and read the other.

Given the generated schema, then createOrder's body has offers, lines and payment (method,
expectedTotal as money), a wallet shows held and available, and every response of every
operation documents the four RateLimit headers.
"""

import pytest

RATE_LIMIT_HEADERS = {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def resolve(schema: dict, node: dict) -> dict:
    if "allOf" in node:
        node = node["allOf"][0]
    if "$ref" in node:
        return schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_create_order_takes_lines_and_a_payment(schema):
    body = schema["paths"]["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    create = resolve(schema, body)
    payment = resolve(schema, create["properties"]["payment"])
    line = resolve(schema, create["properties"]["lines"]["items"])
    expected = resolve(schema, payment["properties"]["expectedTotal"])

    assert {"offers", "lines", "payment"} <= set(create["properties"])
    assert not {"offers", "lines"} & set(create.get("required", []))
    assert set(line["properties"]) == {"productId", "quantity", "denomination"}
    assert resolve(schema, payment["properties"]["method"])["enum"] == ["wallet", "invoice"]
    assert set(expected["required"]) == {"amount", "currency"}


def test_a_wallet_shows_what_is_held_and_available(schema):
    assert {"balance", "held", "available"} <= set(schema["components"]["schemas"]["WalletOut"]["properties"])


def test_every_response_documents_the_rate_limit_headers(schema):
    missing = [
        (path, method, status)
        for path, operations in schema["paths"].items()
        if path not in {"/api/v1/schema", "/api/v1/docs"}
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if not RATE_LIMIT_HEADERS <= set(response.get("headers", {}))
    ]

    assert missing == []
