"""Every failure of the partner API speaks one language, and every response carries its headers.

A partner sees RFC 9457 ``application/problem+json`` for every error, from a bad field to a crash:
``type``, ``title``, ``status``, ``detail``, a stable ``errorCode`` from the catalog, ``fault``,
``retryable``, ``suggestedAction`` and the ``correlationId`` of the request, plus per-field
``errors`` for validation. ``X-Correlation-Id`` is accepted when well formed, generated otherwise,
echoed on every response and written on the audit events the request causes. Rate limits apply
per partner and per ``X-Client-Name`` and answer 429 with ``Retry-After``.
"""

import json
import re
import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from orders.models import Order, OrderEvent
from orders.services import creation
from partner_api import selectors as order_selectors
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.api.throttling import PartnerClientThrottle
from tessera.errors import error_catalog
from tests import factories
from tests.api_support import travellers_json

pytestmark = pytest.mark.django_db

PROBLEM_MEMBERS = {
    "type",
    "title",
    "status",
    "detail",
    "errorCode",
    "fault",
    "retryable",
    "suggestedAction",
    "correlationId",
}
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def assert_problem(response, status: int, code: str) -> dict:
    """The response is a problem+json of ``status`` and ``code``, complete and self-consistent."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].split(";")[0].strip() == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    missing = PROBLEM_MEMBERS - body.keys()
    assert not missing, f"problem lacks {missing}: {body}"
    assert body["errorCode"] == code
    assert code in error_catalog(), f"{code} is not in the error catalog"
    assert body["status"] == status
    assert error_catalog()[code].http_status == status, "the catalog documents another status"
    assert body["title"] == error_catalog()[code].title
    assert body["type"].startswith("https://") and body["type"].endswith(code.lower().replace("_", "-"))
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["fault"] in {"client", "supplier", "server"}
    assert isinstance(body["retryable"], bool)
    assert isinstance(body["suggestedAction"], str)
    assert body["correlationId"] == response["X-Correlation-Id"]
    return body


def post_json(api, path: str, raw: bytes, content_type: str = "application/json", **headers):
    """Send ``raw`` bytes as the body, with a fresh Idempotency-Key."""
    headers = {"Idempotency-Key": str(uuid.uuid4()), **headers}
    return api.http.post(f"/api/v1{path}", raw, content_type=content_type, headers=headers)


@pytest.fixture
def product(db):
    return factories.product()


# --- 400 ------------------------------------------------------------------------------------


def test_missing_offers_is_a_validation_problem_naming_the_field(api):
    response = api.post("/orders", {"travellers": travellers_json(1)})

    body = assert_problem(response, 400, "VALIDATION_FAILED")
    assert body["fault"] == "client"
    assert body["retryable"] is False
    assert set(body["errors"]) == {"offers"}
    assert Order.objects.count() == 0


def test_an_offer_id_that_is_not_a_uuid_is_a_validation_problem_naming_offers(api):
    response = api.post("/orders", {"offers": ["not-a-uuid"], "travellers": travellers_json(1)})

    body = assert_problem(response, 400, "VALIDATION_FAILED")
    assert set(body["errors"]) == {"offers"}
    assert "UUID" in json.dumps(body["errors"]["offers"])


def test_a_traveller_without_given_name_is_a_validation_problem_naming_that_field(api, product):
    offer = api.quote(product, 1)

    response = api.post("/orders", {"offers": [offer["id"]], "travellers": [{"familyName": "Berg"}]})

    body = assert_problem(response, 400, "VALIDATION_FAILED")
    assert set(body["errors"]) == {"travellers"}
    assert body["errors"]["travellers"] == {"0": {"givenName": ["This field is required."]}}
    assert Order.objects.count() == 0


def test_malformed_json_is_a_malformed_request_problem(api):
    response = post_json(api, "/orders", b'{"offers": [')

    body = assert_problem(response, 400, "MALFORMED_REQUEST")
    assert body["fault"] == "client"


@pytest.mark.parametrize("depth", [100, 50_000])
def test_deeply_nested_json_is_refused_with_400_not_a_crash(api, depth):
    raw = ('{"offers": ' + "[" * depth + "]" * depth + "}").encode()

    response = post_json(api, "/orders", raw)

    assert_problem(response, 400, "MALFORMED_REQUEST")


def test_a_body_that_is_not_utf8_is_a_malformed_request_problem(api):
    response = post_json(api, "/orders", b'{"externalReference": "caf\xe9\xff"}')

    assert_problem(response, 400, "MALFORMED_REQUEST")


# --- 401, 404, 405, 413, 415 ----------------------------------------------------------------


def test_no_api_key_is_an_unauthenticated_problem(db):
    response = APIClient().get("/api/v1/orders")

    body = assert_problem(response, 401, "UNAUTHENTICATED")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body["fault"] == "client"


def test_an_unknown_order_id_is_an_order_not_found_problem(api):
    response = api.get(f"/orders/{uuid.uuid4()}")

    assert_problem(response, 404, "ORDER_NOT_FOUND")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/orders/not-a-uuid", "/api/v1/orders/"])
def test_an_unknown_url_under_the_api_is_still_a_problem(api, path):
    response = api.get(path)

    assert_problem(response, 404, "NOT_FOUND")


def test_an_unknown_url_is_a_problem_even_without_a_key(db):
    response = APIClient().get("/api/v1/nothing-here")

    assert_problem(response, 404, "NOT_FOUND")


def test_a_method_the_endpoint_lacks_is_a_method_not_allowed_problem(api):
    response = api.http.delete("/api/v1/orders")

    assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert {"GET", "POST"} <= {m.strip() for m in response["Allow"].split(",")}


def test_a_body_over_one_mebibyte_is_a_payload_too_large_problem(api, product):
    offer = api.quote(product, 1)
    body = {
        "offers": [offer["id"]],
        "travellers": travellers_json(1),
        "externalReference": "x" * (1024 * 1024 + 1),
    }

    response = post_json(api, "/orders", json.dumps(body).encode())

    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert Order.objects.count() == 0


def test_a_body_that_is_not_json_is_an_unsupported_media_type_problem(api):
    response = post_json(api, "/orders", b"offers=1", content_type="text/plain")

    body = assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert body["fault"] == "client"


# --- 429 ------------------------------------------------------------------------------------


@pytest.fixture
def three_per_minute(monkeypatch):
    """Rate limit 3/min. DRF reads the rates when the throttle class is defined, so patch it there."""
    monkeypatch.setattr(PartnerClientThrottle, "THROTTLE_RATES", {"partner": "3/min"})
    cache.clear()
    yield
    cache.clear()


def test_the_request_over_the_rate_limit_is_a_rate_limited_problem_with_retry_after(api, three_per_minute):
    for _ in range(3):
        assert api.get("/products").status_code == 200

    response = api.get("/products")

    body = assert_problem(response, 429, "RATE_LIMITED")
    assert body["retryable"] is True
    assert 1 <= int(response["Retry-After"]) <= 60


def test_rate_limits_are_per_client_name_of_a_partner(api, three_per_minute):
    for _ in range(3):
        assert api.get("/products", **{"X-Client-Name": "web-shop"}).status_code == 200
    assert api.get("/products", **{"X-Client-Name": "web-shop"}).status_code == 429

    other_integration = api.get("/products", **{"X-Client-Name": "back-office"})

    assert other_integration.status_code == 200


def test_a_client_name_of_any_printable_characters_is_rate_limited_like_any_other(api, three_per_minute):
    """Found by the schemathesis run: spaces or punctuation in X-Client-Name made an unsafe cache
    key (a 500 under tests, a warning on every request in production)."""
    odd = "web shop: front/desk %0A {x}"
    for _ in range(3):
        assert api.get("/products", **{"X-Client-Name": odd}).status_code == 200

    assert_problem(api.get("/products", **{"X-Client-Name": odd}), 429, "RATE_LIMITED")
    assert api.get("/products", **{"X-Client-Name": "web shop"}).status_code == 200


def test_control_characters_in_a_client_name_are_refused_before_anything_is_stored(api, product):
    """Found by the hostile-input sweep on PostgreSQL: a NUL in X-Client-Name made creating an
    order a 500 (text cannot hold it). Such a name is now refused, not cleaned silently."""
    offer = api.quote(product, 1)

    response = api.post(
        "/orders",
        {"offers": [offer["id"]], "travellers": travellers_json(1)},
        **{"X-Client-Name": "shop\x00\x07 front"},
    )

    assert_problem(response, 400, "CLIENT_NAME_INVALID")
    assert not Order.objects.exists()


def test_rate_limits_are_per_partner(api, other_api, three_per_minute):
    for _ in range(3):
        assert api.get("/products").status_code == 200
    assert api.get("/products").status_code == 429

    assert other_api.get("/products").status_code == 200


# --- 500 ------------------------------------------------------------------------------------

SECRET = "db-password=hunter2 at /srv/tessera/orders/selectors.py line 42"


def _boom(*args, **kwargs):
    raise RuntimeError(SECRET)


def test_a_crash_while_reading_is_an_internal_error_problem_that_leaks_nothing(api, monkeypatch):
    monkeypatch.setattr(order_selectors, "order_for_partner", _boom)

    response = api.get(f"/orders/{uuid.uuid4()}")

    body = assert_problem(response, 500, "INTERNAL_ERROR")
    assert body["fault"] == "server"
    assert body["retryable"] is True
    text = response.content.decode()
    for leak in ("hunter2", "RuntimeError", "Traceback", "selectors.py", 'File "'):
        assert leak not in text


def test_a_crash_while_writing_is_an_internal_error_problem_that_leaks_nothing(api, product, monkeypatch):
    offer = api.quote(product, 1)
    monkeypatch.setattr(creation, "order_create", _boom)

    order = {"offers": [offer["id"]], "travellers": travellers_json(1)}

    response = api.post("/orders", order, key="retry-me")

    body = assert_problem(response, 500, "INTERNAL_ERROR")
    assert body["fault"] == "server"
    assert body["retryable"] is True
    text = response.content.decode()
    for leak in ("hunter2", "RuntimeError", "Traceback", "selectors.py", 'File "'):
        assert leak not in text
    monkeypatch.undo()
    retried = api.post("/orders", order, key="retry-me")
    assert retried.status_code == 202, "retryable: true promised that the same request may succeed"


# --- X-Correlation-Id -----------------------------------------------------------------------


def test_a_well_formed_correlation_id_is_echoed_and_written_on_the_events_it_causes(api, product):
    offer = api.quote(product, 1)

    response = api.post(
        "/orders",
        {"offers": [offer["id"]], "travellers": travellers_json(1)},
        **{"X-Correlation-Id": "shop-req:2026.01-AbC_9"},
    )

    assert response.status_code == 202
    assert response["X-Correlation-Id"] == "shop-req:2026.01-AbC_9"
    events = OrderEvent.objects.filter(order_id=response.json()["id"])
    assert events.exists()
    assert set(events.values_list("correlation_id", flat=True)) == {"shop-req:2026.01-AbC_9"}


def test_a_well_formed_correlation_id_is_echoed_on_errors_too(api):
    response = api.get(f"/orders/{uuid.uuid4()}", **{"X-Correlation-Id": "trace-404"})

    body = assert_problem(response, 404, "ORDER_NOT_FOUND")
    assert response["X-Correlation-Id"] == "trace-404"
    assert body["correlationId"] == "trace-404"


@pytest.mark.parametrize(
    "malformed",
    ["a" * 200, "has spaces in it", "semi;colon", "<script>"],
    ids=["too-long", "spaces", "semicolon", "markup"],
)
def test_a_malformed_correlation_id_is_replaced_by_a_generated_one(api, product, malformed):
    offer = api.quote(product, 1)

    response = api.post(
        "/orders",
        {"offers": [offer["id"]], "travellers": travellers_json(1)},
        **{"X-Correlation-Id": malformed},
    )

    assert response.status_code == 202
    generated = response["X-Correlation-Id"]
    assert generated != malformed
    assert GENERATED_ID.match(generated)
    events = OrderEvent.objects.filter(order_id=response.json()["id"])
    assert set(events.values_list("correlation_id", flat=True)) == {generated}


def test_without_a_correlation_id_each_request_gets_a_generated_one_echoed(api, product):
    offer = api.quote(product, 1)

    created = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})
    read = api.get(f"/orders/{created.json()['id']}")

    assert GENERATED_ID.match(created["X-Correlation-Id"])
    assert GENERATED_ID.match(read["X-Correlation-Id"])
    assert created["X-Correlation-Id"] != read["X-Correlation-Id"]
    events = OrderEvent.objects.filter(order_id=created.json()["id"])
    assert set(events.values_list("correlation_id", flat=True)) == {created["X-Correlation-Id"]}


def test_an_unauthenticated_request_still_gets_a_correlation_id(db):
    response = APIClient().get("/api/v1/orders", headers={"X-Correlation-Id": "anon-1"})

    body = assert_problem(response, 401, "UNAUTHENTICATED")
    assert body["correlationId"] == "anon-1"


# --- the catalog ----------------------------------------------------------------------------


def test_every_error_a_partner_can_meet_suggests_an_action(api, product):
    """``suggestedAction`` tells a partner what to do next; an empty one tells nothing."""
    offer = api.quote(product, 1)
    too_large = {"offers": [offer["id"]], "externalReference": "x" * (1024 * 1024 + 1)}
    responses = {
        "unknown order": api.get(f"/orders/{uuid.uuid4()}"),
        "unknown offer": api.get(f"/offers/{uuid.uuid4()}"),
        "unknown product": api.get("/products/999999"),
        "unknown wallet": api.get("/wallets/JPY/ledger"),
        "unknown url": api.get("/api/v1/nothing-here"),
        "wrong method": api.http.delete("/api/v1/orders"),
        "too large": post_json(api, "/orders", json.dumps(too_large).encode()),
    }

    silent = {
        name: json.loads(response.content)["errorCode"]
        for name, response in responses.items()
        if not json.loads(response.content)["suggestedAction"].strip()
    }

    assert silent == {}, f"problems with an empty suggestedAction: {silent}"
