"""Additions to the generated OpenAPI document: the error catalog and the status vocabulary."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from orders.vocabulary import PROVIDER_STATUSES
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
    (OrderUpdateIn.validate), so its body needs at least one member.
    """
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
            if name.startswith("Patched"):
                schema["minProperties"] = 1
    return result


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
        return [*parameters, CORRELATION_ID, CLIENT_NAME, CORRELATION_ID_ECHO]


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    required=True,
    description="Unique per intended change (e.g. a UUID); retries reuse it. Kept 48 hours.",
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
    str,
    OpenApiParameter.HEADER,
    description=(
        "Names your integration (<company>-<application>; first 100 characters are kept); "
        "rate limits are per client name."
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
