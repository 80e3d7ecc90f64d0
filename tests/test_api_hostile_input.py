"""Hostile input on every route of the partner API, found in the URLconf (so routes added later are
covered too): bodies that are not JSON, not UTF-8, too deep, too large or of the wrong type, and
query strings that are huge or have too many parameters. Each is a clear 4xx problem, never a 5xx.

tests/test_api_errors_and_headers.py holds the single cases for /orders; this sweeps them all.
"""

import json
import uuid

import pytest
from django.urls import URLPattern

from orders.api.filters import OrderFilters
from tests import factories
from tests.api_routes import WRITE_METHODS, api_routes, fill
from tests.test_api_errors_and_headers import assert_problem

ORDER_FILTERS = OrderFilters.base_filters

pytestmark = pytest.mark.django_db


def path_of(pattern: URLPattern, order_id) -> str:
    """The route's path with its parameters filled in: the partner's own order, or a plausible id."""
    values = {}
    for name, converter in pattern.pattern.converters.items():
        kind = type(converter).__name__
        if name == "order_id":
            values[name] = str(order_id)
        elif kind == "UUIDConverter":
            values[name] = str(uuid.uuid4())
        elif kind == "IntConverter":
            values[name] = "1"
        else:
            values[name] = "EUR"
    return "/api/v1/" + fill(pattern, values)


WRITES = [
    (name, pattern, m) for name, pattern, methods in api_routes() for m in methods if m in WRITE_METHODS
]
READS = [(name, pattern) for name, pattern, methods in api_routes() if "get" in methods]


@pytest.fixture
def order(api):
    return factories.order(owner=api.partner, product_obj=factories.product())


def send(api, method: str, path: str, raw: bytes, content_type: str = "application/json"):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    return getattr(api.http, method)(path, raw, content_type=content_type, headers=headers)


HOSTILE_BODIES = {
    "malformed": (b'{"reason": ', "application/json", 400, "MALFORMED_REQUEST"),
    "not-utf8": (b'{"reason": "caf\xe9\xff"}', "application/json", 400, "MALFORMED_REQUEST"),
    "deep": (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json", 400, "MALFORMED_REQUEST"),
    "nan": (b'{"amount": NaN}', "application/json", 400, "MALFORMED_REQUEST"),
    # Found by schemathesis on PostgreSQL: \u0000 in a member's name was echoed in the stored
    # answer of the Idempotency-Key, which PostgreSQL refused (a 500); lone surrogates likewise.
    "nul": (b'{"reason": "x", "note\\u0000": "a\\u0000b"}', "application/json", 400, "MALFORMED_REQUEST"),
    "surrogate": (b'{"reason": "\\ud800"}', "application/json", 400, "MALFORMED_REQUEST"),
    "form": (b"reason=x", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "xml": (b"<reason>x</reason>", "application/xml", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "text": (b'{"reason": "x"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "too-large": (
        json.dumps({"note": "x" * (1024 * 1024 + 1)}).encode(),
        "application/json",
        413,
        "PAYLOAD_TOO_LARGE",
    ),
}


@pytest.mark.parametrize(("name", "pattern", "method"), WRITES, ids=[f"{m}-{n}" for n, _, m in WRITES])
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=list(HOSTILE_BODIES))
def test_every_write_refuses_a_hostile_body_with_a_clear_problem(api, order, name, pattern, method, body):
    raw, content_type, status, code = HOSTILE_BODIES[body]

    response = send(api, method, path_of(pattern, order.pk), raw, content_type)

    assert_problem(response, status, code)


@pytest.mark.parametrize(("name", "pattern", "method"), WRITES, ids=[f"{m}-{n}" for n, _, m in WRITES])
@pytest.mark.parametrize(
    "raw", [b"[]", b'"a string"', b"42", b"null"], ids=["array", "string", "number", "null"]
)
def test_every_write_refuses_json_that_is_not_an_object(api, order, name, pattern, method, raw):
    response = send(api, method, path_of(pattern, order.pk), raw)

    assert_problem(response, 400, "VALIDATION_FAILED")


@pytest.mark.parametrize(("name", "pattern"), READS, ids=[n for n, _ in READS])
def test_every_read_refuses_a_huge_query_string(api, order, name, pattern):
    """Found by this sweep: operations that take no parameters ignored even 64 KB of them."""
    response = api.http.get(path_of(pattern, order.pk) + "?junk=" + "x" * 64_000)

    body = assert_problem(response, 400, "QUERY_TOO_LONG")
    assert "query string" in body["detail"]


@pytest.mark.parametrize(("name", "pattern"), READS, ids=[n for n, _ in READS])
def test_every_read_refuses_more_parameters_than_django_accepts(api, order, name, pattern):
    """Found by this sweep: 1,001 query parameters were a 500 (Django's TooManyFieldsSent)."""
    query = "&".join(f"p{n}=1" for n in range(1001))

    response = api.http.get(f"{path_of(pattern, order.pk)}?{query}")

    assert_problem(response, 400, "MALFORMED_REQUEST")


PARAMETRIZED_READS = [(name, pattern) for name, pattern in READS if pattern.pattern.converters]


# "²" is a digit to str.isdigit() but not to int(): found by schemathesis as a Python message in
# a 400 (product=²); page=², perPage=² and limit=² were a 500 on every paged list.
NOT_A_NUMBER = "\u00b2"


def assert_refused_cleanly_or_served(response) -> None:
    if response.status_code < 400:
        return
    assert_problem(response, response.status_code, response.json()["errorCode"])
    assert response.status_code < 500
    assert "invalid literal" not in response.content.decode()


@pytest.mark.parametrize(("name", "pattern"), READS, ids=[n for n, _ in READS])
@pytest.mark.parametrize("param", ["page", "perPage", "limit"])
def test_every_read_takes_or_refuses_a_digit_that_is_not_a_number(api, order, name, pattern, param):
    """Lists refuse page=², perPage=² or limit=² (400 naming it); single reads take no paging."""
    assert_refused_cleanly_or_served(api.get(path_of(pattern, order.pk), {param: NOT_A_NUMBER}))


@pytest.mark.parametrize("name", sorted(ORDER_FILTERS))
def test_every_order_filter_takes_or_refuses_a_digit_that_is_not_a_number(api, name):
    """Text filters (references, places, names) take "²" as it is; the others refuse it plainly."""
    assert_refused_cleanly_or_served(api.get("/orders", {name: NOT_A_NUMBER}))


@pytest.mark.parametrize(("name", "pattern"), PARAMETRIZED_READS, ids=[n for n, _ in PARAMETRIZED_READS])
def test_an_id_holding_u0000_is_not_found(api, order, name, pattern):
    """Found by this sweep on PostgreSQL: /wallets/%00/ledger was a 500 (text cannot hold NUL)."""
    path = "/api/v1/" + fill(pattern, dict.fromkeys(pattern.pattern.converters, "%00"))

    response = api.http.get(path)

    assert_problem(response, 404, "NOT_FOUND")


def test_a_host_this_server_does_not_serve_is_a_problem_not_an_html_page(api):
    """Django refuses the Host header before any view runs; the API still answers in its language."""
    response = api.http.get("/api/v1/orders", headers={"Host": "attacker.example"})

    assert_problem(response, 400, "MALFORMED_REQUEST")


def test_the_sweep_covers_every_write_of_the_partner_api():
    assert {name for name, _, _ in WRITES} >= {"offers", "orders", "order", "order-finalize", "order-refunds"}
