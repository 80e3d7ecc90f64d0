"""Every API error as one body: RFC 9457 problem+json, with Tessera's extension members.

``errorCode`` is stable and documented (ERROR_CATALOG, served in the OpenAPI description and in
docs/api.md); ``fault`` says who must act (client, supplier or server); ``retryable`` true means
sending the same request again with the same Idempotency-Key is safe and may succeed.
"""

from dataclasses import dataclass

from django.http import JsonResponse

from tessera import correlation

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://docs.tessera.example/errors/"


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    title: str
    fault: str = "client"
    retryable: bool = False
    suggested_action: str = ""


ERROR_CATALOG: dict[str, ErrorSpec] = {
    "VALIDATION_FAILED": ErrorSpec(
        400, "The request is not valid", suggested_action="Correct the fields listed in errors."
    ),
    "MALFORMED_REQUEST": ErrorSpec(
        400, "The request body could not be read", suggested_action="Send a JSON object."
    ),
    "IDEMPOTENCY_KEY_MISSING": ErrorSpec(
        400,
        "Idempotency-Key header is required",
        suggested_action="Send a unique Idempotency-Key with every POST, PUT and PATCH.",
    ),
    "IDEMPOTENCY_KEY_INVALID": ErrorSpec(
        400,
        "Idempotency-Key header is not valid",
        suggested_action="Send 1 to 255 printable ASCII characters, for example a UUID.",
    ),
    "CLIENT_NAME_INVALID": ErrorSpec(
        400,
        "X-Client-Name header is not valid",
        suggested_action="Send at most 100 printable ASCII characters, or leave the header out.",
    ),
    "CALLBACK_INVALID": ErrorSpec(
        400,
        "The callback's signature or body does not check out",
        suggested_action="Send the event as the provider signs it: the exact body, a current timestamp.",
    ),
    "INVALID_FILTER": ErrorSpec(
        400,
        "A filter, operator or value is not valid",
        suggested_action="See the list of filters and operators.",
    ),
    "INVALID_EXPIRY": ErrorSpec(
        400,
        "expiresAt is not allowed",
        suggested_action="Choose a time in the future and at most six months ahead.",
    ),
    "INVALID_TRAVELLERS": ErrorSpec(
        400, "Travellers are missing or incomplete", suggested_action="Give a named traveller per ticket."
    ),
    "INVALID_QUANTITY": ErrorSpec(400, "Quantity is out of range", suggested_action="Order 1 to 20 units."),
    "INVALID_DENOMINATION": ErrorSpec(
        400, "Denomination is not offered", suggested_action="Choose one of the product's denominations."
    ),
    "INVALID_AMOUNT": ErrorSpec(
        400, "Amount is not valid", suggested_action="Send a positive decimal string in the currency's unit."
    ),
    "CURRENCY_MISMATCH": ErrorSpec(
        400, "Offers are in different currencies", suggested_action="Order offers of one currency together."
    ),
    "UNAUTHENTICATED": ErrorSpec(
        401, "A valid API key is required", suggested_action="Send Authorization: Bearer <api key>."
    ),
    "INSUFFICIENT_BALANCE": ErrorSpec(
        402,
        "The wallet balance is too low",
        retryable=True,
        suggested_action="Top up the wallet and try again.",
    ),
    "BILLING_MODE_NOT_ALLOWED": ErrorSpec(
        403,
        "This billing mode is not enabled for you",
        suggested_action="Use a billing mode enabled for your account.",
    ),
    "PERMISSION_DENIED": ErrorSpec(403, "Not allowed", suggested_action="Use your own API key."),
    "NOT_FOUND": ErrorSpec(
        404, "Not found", suggested_action="Check the URL and the id; you see only your own data."
    ),
    "ORDER_NOT_FOUND": ErrorSpec(
        404, "Order not found", suggested_action="Check the order id; you see only your own orders."
    ),
    "OFFER_NOT_FOUND": ErrorSpec(
        404, "Offer not found", suggested_action="Quote an offer with POST /api/v1/offers."
    ),
    "PRODUCT_NOT_FOUND": ErrorSpec(
        404, "Product not found", suggested_action="List products with GET /api/v1/products."
    ),
    "WALLET_NOT_FOUND": ErrorSpec(
        404, "Wallet not found", suggested_action="List your wallets with GET /api/v1/wallets."
    ),
    "INVOICE_NOT_FOUND": ErrorSpec(
        404, "Invoice not found", suggested_action="List your invoices with GET /api/v1/invoices."
    ),
    "CREDIT_NOTE_NOT_FOUND": ErrorSpec(
        404, "Credit note not found", suggested_action="List your credit notes with GET /api/v1/credit-notes."
    ),
    "REFUND_NOT_FOUND": ErrorSpec(
        404, "Refund not found", suggested_action="Check the refund id; you see only your own refunds."
    ),
    "METHOD_NOT_ALLOWED": ErrorSpec(
        405, "Method not allowed", suggested_action="Use one of the methods in the Allow header."
    ),
    "NOT_ACCEPTABLE": ErrorSpec(
        406, "Cannot answer in the requested format", suggested_action="Accept application/json."
    ),
    "INVALID_STATE": ErrorSpec(
        409,
        "The order is not in a state that allows this",
        suggested_action="Read the order's status and availableActions.",
    ),
    "ORDER_NOT_EDITABLE": ErrorSpec(
        409,
        "Only PENDING orders can be changed",
        suggested_action="Read the order's status and availableActions.",
    ),
    "ORDER_NOT_READY": ErrorSpec(
        409,
        "Lines are still being reserved",
        retryable=True,
        suggested_action="Poll the order until every line is RESERVED, then finalize.",
    ),
    "ORDER_EXPIRED": ErrorSpec(
        409, "The order has expired", suggested_action="Create a new order from fresh offers."
    ),
    "OFFER_EXPIRED": ErrorSpec(409, "The offer has expired", suggested_action="Quote a new offer."),
    "OFFER_ALREADY_USED": ErrorSpec(
        409, "The offer has already been ordered", suggested_action="Quote a new offer."
    ),
    "OUT_OF_STOCK": ErrorSpec(
        409,
        "Too few codes are left in stock",
        fault="supplier",
        retryable=True,
        suggested_action="Order fewer units or another product, or try again later.",
    ),
    "TICKETS_NOT_ISSUED": ErrorSpec(
        409,
        "Nothing of the order is issued yet",
        retryable=True,
        suggested_action="Poll the order until a line is ISSUED, then download the tickets.",
    ),
    "PRICE_CHANGED": ErrorSpec(
        409,
        "The total is not the expected total",
        suggested_action="Read the order's total and finalize with it.",
    ),
    "REFUND_NOT_ALLOWED": ErrorSpec(
        409,
        "The order cannot be refunded now",
        suggested_action="Read the order's status and availableActions.",
    ),
    "LINE_NOT_REFUNDABLE": ErrorSpec(
        409,
        "A line cannot be refunded",
        suggested_action="Refund only ISSUED lines that are not already in a refund.",
    ),
    "REFUND_EXCEEDS_PAYMENT": ErrorSpec(
        409,
        "Nothing is left of the payment to refund",
        suggested_action="Read the order's refunds and payments.",
    ),
    "INVOICE_NOT_CLOSED": ErrorSpec(
        409,
        "The invoice is still open",
        retryable=True,
        suggested_action="Download the PDF and CSV once the invoice is CLOSED (after its month ends).",
    ),
    "IDEMPOTENCY_KEY_IN_USE": ErrorSpec(
        409,
        "A request with this Idempotency-Key is still running",
        retryable=True,
        suggested_action="Retry after the Retry-After delay with the same key.",
    ),
    "PAYLOAD_TOO_LARGE": ErrorSpec(
        413, "The request body is too large", suggested_action="Send a body under 1 MiB."
    ),
    "UNSUPPORTED_MEDIA_TYPE": ErrorSpec(
        415, "Send application/json", suggested_action="Set Content-Type: application/json."
    ),
    "IDEMPOTENCY_KEY_REUSED": ErrorSpec(
        422,
        "This Idempotency-Key was used for another request",
        suggested_action="Use a new Idempotency-Key for a different request.",
    ),
    "RATE_LIMITED": ErrorSpec(
        429, "Too many requests", retryable=True, suggested_action="Wait for Retry-After seconds."
    ),
    "INTERNAL_ERROR": ErrorSpec(
        500,
        "Something went wrong on our side",
        fault="server",
        retryable=True,
        suggested_action="Retry with the same Idempotency-Key; the request had no effect or will resume.",
    ),
    "SERVICE_UNAVAILABLE": ErrorSpec(
        503,
        "The service is briefly unavailable",
        fault="server",
        retryable=True,
        suggested_action="Retry after Retry-After seconds with the same Idempotency-Key.",
    ),
}


def problem(
    code: str,
    detail: str = "",
    *,
    status: int | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extensions,
) -> JsonResponse:
    body = problem_body(code, detail, status=status, errors=errors, **extensions)
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_body(
    code: str, detail: str = "", *, status: int | None = None, errors: dict | None = None, **extensions
) -> dict:
    spec = ERROR_CATALOG.get(code, ERROR_CATALOG["INTERNAL_ERROR"])
    body = {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": spec.title,
        "status": status or spec.status,
        "detail": detail or spec.title,
        "errorCode": code,
        "fault": extensions.pop("fault", spec.fault),
        "retryable": extensions.pop("retryable", spec.retryable),
        "suggestedAction": extensions.pop("suggested_action", "") or spec.suggested_action,
        "correlationId": correlation.current(),
    }
    if errors:
        body["errors"] = errors
    for key, value in extensions.items():
        if value is not None:
            body[key] = _camel_keys(value) if key == "context" else value
    return body


def _camel_keys(context: dict) -> dict:
    """Context details in the API's own spelling: ``first_used_for`` → ``firstUsedFor``."""

    def camel(name: str) -> str:
        head, *rest = str(name).split("_")
        return head + "".join(part.capitalize() for part in rest)

    return {camel(key): value for key, value in context.items()}
