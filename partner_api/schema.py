"""Additions to the generated OpenAPI document: the error catalog and the status vocabulary."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from orders.vocabulary import PROVIDER_STATUSES
from tessera.api.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from tessera.api.throttling import CLIENT_NAME_PATTERN, MAX_CLIENT_NAME_LENGTH
from tessera.catalog_docs import error_table
from tessera.errors import error_catalog

INTRO = (
    "Order tickets and vouchers from Tessera's suppliers. The guide with a complete walk-through "
    "is docs/api.md. Every write needs an `Idempotency-Key`; every error is `application/problem+json`."
)


def _vocabulary_table() -> str:
    rows = ["| provider | their status | Tessera |", "|---|---|---|"]
    rows += [f"| {provider} | {word} | {ours} |" for provider, word, ours in PROVIDER_STATUSES]
    return "\n".join(rows)


def describe_catalogs(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    result["info"]["description"] = "\n\n".join(
        [INTRO, "## Errors", error_table(), "## Status vocabulary", _vocabulary_table()]
    )
    problem = result.get("components", {}).get("schemas", {}).get("Problem")
    if problem:
        problem["properties"]["errorCode"]["enum"] = sorted(error_catalog())
    return result


def close_request_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: request bodies say what the server enforces.

    Every body passes PartnerAPIView.validated, which refuses unknown members at every level, so
    each request object has ``additionalProperties: false``; a PATCH must change something
    (OrderUpdateIn.validate), so its body needs at least one member and must be sent.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
            if name.startswith("Patched"):
                schema["minProperties"] = 1
            schema.update(BODY_RULES.get(name, {}))
    # A body that must say something must be sent: no body at all reads as {} (refused).
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            reference = (
                (body or {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
            )
            if schemas.get(reference.rsplit("/", 1)[-1], {}).get("minProperties"):
                body["required"] = True
    return result


# Rules that tie members of one body together, as the serializers' validate() enforces them.
BODY_RULES = {
    "RefundCreateInRequest": {"not": {"required": ["lines", "amount"]}},  # RefundCreateIn.validate
    # AmendmentIn.validate: at least one change (expiresAt alone changes nothing)
    "AmendmentInRequest": {
        "minProperties": 1,
        "anyOf": [{"required": [name]} for name in ("add", "remove", "exchange", "travellers")],
    },
    "TravellerChangeInRequest": {"minProperties": 2},  # TravellerChangeIn.validate: a detail
}


class PartnerAutoSchema(AutoSchema):
    """Documents the headers every partner operation takes, so a client generated from the
    schema alone sends them: Idempotency-Key (required on writes), X-Correlation-Id and
    X-Client-Name."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A nested list's bounds (``TravellerIn(many=True, max_length=20)``), which
        drf-spectacular leaves out, as minItems and maxItems."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and schema and schema.get("type") == "array":
            for bound, keyword in ((field.min_length, "minItems"), (field.max_length, "maxItems")):
                if bound is not None:
                    schema[keyword] = bound
        return schema

    def get_filter_backends(self):
        """A GET with a ``filterset_class`` documents its filters. drf-spectacular looks only at
        views it takes for lists, and the partner lists answer pages (objects), not arrays."""
        if self.method == "GET" and getattr(self.view, "filterset_class", None):
            return self.view.filter_backends
        return []

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in {"POST", "PUT", "PATCH"}:
            parameters += [IDEMPOTENCY_KEY, REPLAYED, WRITE_RETRY_AFTER]
        else:
            parameters.append(READ_RETRY_AFTER)
        if self.method == "POST":
            parameters.append(LOCATION)
        return [*parameters, CORRELATION_ID, CLIENT_NAME, CORRELATION_ID_ECHO, *RATE_LIMIT_HEADERS]


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description=(
        f"Unique per intended change (e.g. a UUID); retries reuse it. 1 to {MAX_KEY_LENGTH} printable "
        "ASCII characters (space to ~, not at either end); missing is IDEMPOTENCY_KEY_MISSING, "
        "anything else IDEMPOTENCY_KEY_INVALID. The same key with another body or operation is "
        "IDEMPOTENCY_KEY_REUSED (422). Kept 48 hours."
    ),
)
CORRELATION_ID = OpenApiParameter(
    "X-Correlation-Id",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Your id for this request (1-64 of A-Z a-z 0-9 . _ : -); echoed and written on every audit "
        "event it causes. Anything else is replaced by a generated id, never refused."
    ),
)
CLIENT_NAME = OpenApiParameter(
    "X-Client-Name",
    {"type": "string", "maxLength": MAX_CLIENT_NAME_LENGTH, "pattern": CLIENT_NAME_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        f"Names your integration (<company>-<application>): at most {MAX_CLIENT_NAME_LENGTH} printable "
        "ASCII characters, stored on the orders it creates as sent (trimmed); anything else is "
        "CLIENT_NAME_INVALID. Rate limits are per client name."
    ),
)

# Response headers, so that a client generated from the schema alone knows them.
CORRELATION_ID_ECHO = OpenApiParameter(
    "X-Correlation-Id",
    str,
    OpenApiParameter.HEADER,
    response=True,
    required=True,
    description="This request's correlation id: yours if it was well-formed, else a new one.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    {"type": "string", "enum": ["true"]},
    OpenApiParameter.HEADER,
    response=True,
    description="Present on the stored answer to an earlier request with the same Idempotency-Key.",
)
LOCATION = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[202],
    required=True,
    description="The path of what was accepted; poll it.",
)
_RATE_LIMITED = "On every answer to an authenticated request, 429 included"
RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        name,
        {"type": "integer", "minimum": 0},
        OpenApiParameter.HEADER,
        response=True,
        description=f"{description} {_RATE_LIMITED} (per API key's partner and X-Client-Name).",
    )
    for name, description in (
        ("RateLimit-Limit", "Requests allowed per window."),
        ("RateLimit-Remaining", "Requests left in the window now; 0 means the next is a 429."),
        (
            "RateLimit-Reset",
            "Seconds until the oldest request counted leaves the window (one more allowed).",
        ),
    )
] + [
    OpenApiParameter(
        "RateLimit-Policy",
        {"type": "string", "example": "1200;w=60"},
        OpenApiParameter.HEADER,
        response=True,
        description=f"The limit and its window in seconds (IETF RateLimit draft). {_RATE_LIMITED}.",
    )
]
_RETRY_AFTER = "Seconds to wait before retrying"
READ_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    {"type": "integer", "minimum": 0},
    OpenApiParameter.HEADER,
    response=[429, 503],
    description=f"{_RETRY_AFTER}.",
)
WRITE_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    {"type": "integer", "minimum": 0},
    OpenApiParameter.HEADER,
    response=[409, 429, 503],
    description=f"{_RETRY_AFTER}; on 409 only with IDEMPOTENCY_KEY_IN_USE.",
)


def _to(operation_id: str, description: str, **parameters: str) -> dict:
    return {"operationId": operation_id, "parameters": parameters, "description": description}


_ORDER_ID = "$response.body#/id"
_ORDER_LINKS = {
    "getOrder": _to("getOrder", "Poll the order.", order_id=_ORDER_ID),
    "updateOrder": _to("updateOrder", "Change it while PENDING.", order_id=_ORDER_ID),
    "replaceTravellers": _to("replaceTravellers", "Replace its travellers.", order_id=_ORDER_ID),
    "finalizeOrder": _to("finalizeOrder", "Pay and start issuing.", order_id=_ORDER_ID),
    "cancelOrder": _to("cancelOrder", "Cancel it while PENDING.", order_id=_ORDER_ID),
    "openCheckout": _to("openCheckout", "Let the customer pay.", order_id=_ORDER_ID),
    "listOrderEvents": _to("listOrderEvents", "Its audit trail.", order_id=_ORDER_ID),
    "requestRefund": _to("requestRefund", "Refund it once delivered.", order_id=_ORDER_ID),
    "listOrderRefunds": _to("listOrderRefunds", "Its refunds.", order_id=_ORDER_ID),
    "getOrderTicketsPdf": _to("getOrderTicketsPdf", "Its tickets.", order_id=_ORDER_ID),
    "listOrderVouchers": _to("listOrderVouchers", "Its vouchers.", order_id=_ORDER_ID),
}
_FIRST = "$response.body#/items/0/id"

# operationId -> status -> links: what a client (or a stateful test) can do with an answer next.
LINKS: dict[str, dict[str, dict]] = {
    "createOffer": {
        "201": {
            "getOffer": _to("getOffer", "Read the offer again.", offer_id="$response.body#/id"),
            "createOrder": {
                "operationId": "createOrder",
                "requestBody": {"offers": ["$response.body#/id"]},
                "description": "Order the offer.",
            },
        }
    },
    "listProducts": {"200": {"getProduct": _to("getProduct", "One product.", product_id=_FIRST)}},
    "createOrder": {"202": _ORDER_LINKS},
    "getOrder": {"200": _ORDER_LINKS},
    "updateOrder": {"200": _ORDER_LINKS},
    "replaceTravellers": {"200": _ORDER_LINKS},
    "finalizeOrder": {"200": _ORDER_LINKS},
    "cancelOrder": {"200": {"getOrder": _ORDER_LINKS["getOrder"]}},
    "listOrders": {"200": {"getOrder": _to("getOrder", "The first order of the page.", order_id=_FIRST)}},
    "requestRefund": {
        "202": {
            "getRefund": _to("getRefund", "Follow the refund.", refund_id="$response.body#/id"),
            "listOrderRefunds": _to(
                "listOrderRefunds", "The order's refunds.", order_id="$response.body#/orderId"
            ),
        }
    },
    "listOrderRefunds": {"200": {"getRefund": _to("getRefund", "The first refund.", refund_id=_FIRST)}},
    "listInvoices": {
        "200": {
            "getInvoice": _to("getInvoice", "The first invoice.", invoice_id=_FIRST),
            "getInvoicePdf": _to("getInvoicePdf", "Its PDF.", invoice_id=_FIRST),
            "getInvoiceCsv": _to("getInvoiceCsv", "Its CSV.", invoice_id=_FIRST),
        }
    },
    "listCreditNotes": {
        "200": {"getCreditNotePdf": _to("getCreditNotePdf", "The first one's PDF.", credit_note_id=_FIRST)}
    },
    "getWallets": {
        "200": {
            "listLedgerEntries": _to(
                "listLedgerEntries", "The first wallet's ledger.", currency="$response.body#/items/0/currency"
            )
        }
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: OpenAPI links from one answer to the operations it
    leads to (create -> finalize -> refund ...), for clients and for stateful testing."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status, links in LINKS.get(operation.get("operationId"), {}).items():
                response = operation.get("responses", {}).get(status)
                if response is not None:
                    response["links"] = links
    return result
