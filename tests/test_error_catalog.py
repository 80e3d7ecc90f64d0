"""One error catalog: each error class says its code, title, status, fault, retryable and suggested
action once, and the problem bodies are made from it."""

import pytest

from orders.errors import OrderNotFound
from tessera.api.problems import problem_body
from tessera.errors import FAULTS, InvalidState, NotFound, TesseraError, error_catalog

# The codes and statuses partners know (docs/api.md): they never change.
PUBLISHED_STATUSES = {
    "WEBHOOK_URL_REFUSED": 400,
    "EVENT_NOT_FOUND": 404,
    "WEBHOOK_DELIVERY_NOT_FOUND": 404,
    "WEBHOOK_ENDPOINT_NOT_FOUND": 404,
    "VALIDATION_FAILED": 400,
    "MALFORMED_REQUEST": 400,
    "CALLBACK_INVALID": 400,
    "CLIENT_NAME_INVALID": 400,
    "IDEMPOTENCY_KEY_INVALID": 400,
    "QUERY_TOO_LONG": 400,
    "IDEMPOTENCY_KEY_MISSING": 400,
    "INVALID_FILTER": 400,
    "INVALID_EXPIRY": 400,
    "INVALID_TRAVELLERS": 400,
    "INVALID_QUANTITY": 400,
    "INVALID_DENOMINATION": 400,
    "INVALID_AMOUNT": 400,
    "CURRENCY_MISMATCH": 400,
    "UNAUTHENTICATED": 401,
    "INSUFFICIENT_BALANCE": 402,
    "BILLING_MODE_NOT_ALLOWED": 403,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ORDER_NOT_FOUND": 404,
    "OFFER_NOT_FOUND": 404,
    "PRODUCT_NOT_FOUND": 404,
    "WALLET_NOT_FOUND": 404,
    "INVOICE_NOT_FOUND": 404,
    "CREDIT_NOTE_NOT_FOUND": 404,
    "REFUND_NOT_FOUND": 404,
    "VOUCHER_NOT_FOUND": 404,
    "VERSION_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "NOT_ACCEPTABLE": 406,
    "INVALID_STATE": 409,
    "ORDER_NOT_EDITABLE": 409,
    "ORDER_NOT_READY": 409,
    "ORDER_EXPIRED": 409,
    "OFFER_EXPIRED": 409,
    "OFFER_ALREADY_USED": 409,
    "OUT_OF_STOCK": 409,
    "TICKETS_NOT_ISSUED": 409,
    "PRICE_CHANGED": 409,
    "REFUND_NOT_ALLOWED": 409,
    "LINE_NOT_REFUNDABLE": 409,
    "REFUND_EXCEEDS_PAYMENT": 409,
    "INVOICE_NOT_CLOSED": 409,
    "IDEMPOTENCY_KEY_IN_USE": 409,
    "VOUCHER_NOT_REVEALABLE": 409,
    "AMENDMENT_OPEN": 409,
    "AMENDMENT_NOT_OPEN": 409,
    "AMENDMENT_EXPIRED": 409,
    "ORDER_NOT_AMENDABLE": 409,
    "REFUND_IN_PROGRESS": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


def test_the_catalog_holds_exactly_the_published_codes_with_their_statuses():
    assert {code: error.http_status for code, error in error_catalog().items()} == PUBLISHED_STATUSES


@pytest.mark.parametrize("code", sorted(PUBLISHED_STATUSES))
def test_every_entry_says_everything_a_problem_needs(code):
    error = error_catalog()[code]

    assert error.code == code
    assert error.title.strip() and error.suggested_action.strip()
    assert error.fault in FAULTS
    assert isinstance(error.retryable, bool)
    assert not (error.http_status >= 500 and error.fault == "client")


def test_a_problem_body_is_made_from_the_class_and_the_instance():
    body = problem_body(OrderNotFound("No such order.", order_id="x-1"))

    assert body["type"] == "https://docs.tessera.example/errors/order-not-found"
    assert (body["title"], body["status"], body["errorCode"]) == ("Order not found", 404, "ORDER_NOT_FOUND")
    assert (body["fault"], body["retryable"]) == ("client", False)
    assert body["suggestedAction"] == OrderNotFound.suggested_action
    assert (body["detail"], body["context"]) == ("No such order.", {"orderId": "x-1"})


def test_an_error_without_detail_says_its_title():
    assert problem_body(NotFound())["detail"] == "Not found"


def test_a_subclass_that_shares_a_code_cannot_change_its_entry():
    with pytest.raises(TypeError, match="changes"):

        class QuietState(InvalidState):
            http_status = 400


def test_a_code_has_one_class():
    with pytest.raises(TypeError, match="already"):

        class SecondNotFound(NotFound):
            code = "NOT_FOUND"
            title = "Gone"
            suggested_action = "Look elsewhere."


def test_a_new_code_needs_its_own_title_and_suggested_action():
    with pytest.raises(TypeError, match="needs a title"):

        class Untitled(TesseraError):
            code = "UNTITLED_FOR_TEST"
            http_status = 400
