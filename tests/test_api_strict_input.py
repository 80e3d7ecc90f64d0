"""The partner API is as strict as its documents, in bodies, headers and errors.

Given a partner's client written from the OpenAPI document alone, when it sends a member of
another JSON type than documented (an amount as a number, a quantity as a string), a member twice,
an over-long or unprintable header, an empty PATCH or a body without Content-Type, then the answer
is a 400 (or 415) that names what is wrong, with its own errorCode, and nothing changes.
"""

import json

import pytest

from orders.models import Order
from suppliers.models import Offer
from tests import factories
from tests.api_support import travellers_json
from tests.test_api_errors_and_headers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def reserved(api) -> dict:
    """A PENDING order: type errors are refused before its state is looked at."""
    return api.create_order(factories.product(price="70.00"))


def raw_post(api, path: str, raw: bytes, **headers):
    headers = {"Idempotency-Key": "strict-1", **headers}
    return api.http.post(f"/api/v1{path}", raw, content_type="application/json", headers=headers)


# --- JSON types -----------------------------------------------------------------------------


@pytest.mark.parametrize("total", [70, 70.0, True, ["70.00"]])
def test_an_expected_total_that_is_not_a_decimal_string_is_refused(api, reserved, total):
    response = api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet", "expectedTotal": total})

    problem = assert_problem(response, 400, "VALIDATION_FAILED")
    assert problem["errors"]["expectedTotal"][0].startswith('Expected a decimal string, such as "260.32"')
    assert Order.objects.get(pk=reserved["id"]).status == "PENDING"


@pytest.mark.parametrize("total", ["7e1", " 70.00", "70.00 EUR", "-70.00", "0x46", "70,00"])
def test_an_expected_total_that_is_no_plain_decimal_string_is_refused(api, reserved, total):
    response = api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet", "expectedTotal": total})

    assert set(assert_problem(response, 400, "VALIDATION_FAILED")["errors"]) == {"expectedTotal"}
    assert Order.objects.get(pk=reserved["id"]).status == "PENDING"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"quantity": "2"}, ["quantity"]),
        ({"quantity": 2.0}, ["quantity"]),
        ({"quantity": True}, ["quantity"]),
        ({"productId": "1"}, ["productId"]),
        ({"denomination": 50}, ["denomination"]),
    ],
)
def test_an_offer_member_of_another_json_type_is_refused(api, body, where):
    product = factories.product()

    response = api.post("/offers", {"productId": product.pk, **body})

    problem = assert_problem(response, 400, "VALIDATION_FAILED")
    assert list(problem["errors"]) == where
    assert not Offer.objects.exists()


def test_nested_members_of_another_json_type_are_named_where_they_sit(api):
    offer = api.quote(factories.product())
    body = {
        "offers": [12345],
        "travellers": [{"givenName": "Ada", "familyName": 7}],
        "contact": "ada@example.com",
        "externalReference": 42,
    }

    problem = assert_problem(api.post("/orders", body), 400, "VALIDATION_FAILED")

    assert problem["errors"] == {
        "offers": {"0": ["Expected a string, not a number."]},
        "travellers": {"0": {"familyName": ["Expected a string, not a number."]}},
        "contact": ["Expected an object, not a string."],
        "externalReference": ["Expected a string, not a number."],
    }
    assert offer and not Order.objects.exists()


def test_refund_lines_must_be_json_integers(api):
    problem = assert_problem(
        api.post(
            f"/orders/{factories.order(owner=api.partner, product_obj=factories.product()).pk}/refunds",
            {"reason": "requested", "lines": ["1"]},
        ),
        400,
        "VALIDATION_FAILED",
    )

    assert problem["errors"] == {"lines": {"0": ["Expected an integer, such as 2, not a string."]}}


# --- duplicate members ----------------------------------------------------------------------


def test_a_member_given_twice_is_refused_naming_it(api):
    product = factories.product()
    raw = f'{{"productId": {product.pk}, "quantity": 1, "quantity": 20}}'.encode()

    problem = assert_problem(raw_post(api, "/offers", raw), 400, "MALFORMED_REQUEST")

    assert "'quantity' appears twice" in problem["detail"]
    assert not Offer.objects.exists()


def test_a_nested_member_given_twice_is_refused(api):
    offer = api.quote(factories.product())
    raw = (
        f'{{"offers": ["{offer["id"]}"], "travellers": {json.dumps(travellers_json(1))}, '
        '"contact": {"email": "a@example.com", "email": "b@example.com"}}'
    ).encode()

    problem = assert_problem(raw_post(api, "/orders", raw), 400, "MALFORMED_REQUEST")

    assert "'email' appears twice" in problem["detail"]
    assert not Order.objects.exists()


# --- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x" * 101, "x" * 300, "web\tshop", "caf\u00e9"])
def test_a_client_name_breaking_its_rule_is_refused_not_cut_or_cleaned(api, name):
    offer = api.quote(factories.product())

    response = api.post(
        "/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)}, **{"X-Client-Name": name}
    )

    problem = assert_problem(response, 400, "CLIENT_NAME_INVALID")
    assert "X-Client-Name" in problem["detail"]
    assert not Order.objects.exists()


def test_a_client_name_of_100_printable_characters_is_stored_as_sent(api):
    name = "acme-booking/app 2.1 (" + "x" * 77 + ")"
    offer = api.quote(factories.product())

    response = api.post(
        "/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)}, **{"X-Client-Name": name}
    )

    assert len(name) == 100
    assert response.status_code == 202, response.json()
    assert response.json()["clientName"] == name


@pytest.mark.parametrize("key", ["k" * 256, "k" * 300, "tab\there", "caf\u00e9"])
def test_a_present_but_invalid_idempotency_key_has_its_own_code(api, key):
    response = api.post("/offers", {"productId": factories.product().pk}, key=key)

    problem = assert_problem(response, 400, "IDEMPOTENCY_KEY_INVALID")
    assert "Idempotency-Key" in problem["detail"]
    assert not Offer.objects.exists()


# --- the body as a whole --------------------------------------------------------------------


def test_an_empty_patch_says_at_the_top_what_to_send(api):
    order = api.create_order(factories.product())

    problem = assert_problem(api.patch(f"/orders/{order['id']}", {}), 400, "VALIDATION_FAILED")

    assert "give at least one of contact, externalReference, metadata, expiresAt" in problem["detail"]
    assert "non_field_errors" not in json.dumps(problem)


def test_an_empty_patch_of_the_partner_settings_says_what_to_send(api):
    problem = assert_problem(api.patch("/partner", {}), 400, "VALIDATION_FAILED")

    assert "give customerEmails" in problem["detail"]


def test_a_body_that_is_not_an_object_says_so_at_the_top(api):
    problem = assert_problem(raw_post(api, "/offers", b"[1, 2]"), 400, "VALIDATION_FAILED")

    assert problem["detail"] == "Send a JSON object as the body."
    assert "errors" not in problem


def test_a_post_without_content_type_is_told_to_send_application_json(api):
    response = api.http.generic(
        "POST", "/api/v1/offers", b'{"productId": 1}', content_type="", headers={"Idempotency-Key": "ct-1"}
    )

    problem = assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert problem["detail"] == (
        "Send the body as JSON with Content-Type: application/json; it was sent without a Content-Type."
    )


def test_a_post_as_text_is_told_what_it_sent(api):
    response = api.http.post(
        "/api/v1/offers", b'{"productId": 1}', content_type="text/plain", headers={"Idempotency-Key": "ct-2"}
    )

    problem = assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "application/json" in problem["detail"] and "'text/plain'" in problem["detail"]
