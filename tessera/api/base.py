"""The base of every partner API view: key auth, JSON only, rate limits, problem errors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from tessera.api.fields import ProblemSerializer
from tessera.api.filtering import OperatorFilterBackend
from tessera.api.json_types import json_type_errors
from tessera.api.parsers import SafeJSONParser
from tessera.api.principal import IsPartner
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.api.rendering import shared
from tessera.api.throttling import PartnerClientThrottle, check_client_name
from tessera.errors import InvalidInput, NotFound, QueryTooLong

ORDER_ID = OpenApiParameter("order_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Order id.")

# The longest query string any operation needs (a filter of 100 order ids is ~3,800 characters),
# kept under gunicorn's request-line limit (gunicorn.conf.py) so that this answer is reachable.
MAX_QUERY_STRING = 8000


class JsonBodyNegotiation(DefaultContentNegotiation):
    """A body in anything but JSON is a 415 that says what to send, and what was sent."""

    def select_parser(self, request, parsers):
        parser = super().select_parser(request, parsers)
        if parser is None:
            sent = request.content_type
            found = f"it was sent as {sent!r}" if sent else "it was sent without a Content-Type"
            raise UnsupportedMediaType(
                sent, detail=f"Send the body as JSON with Content-Type: application/json; {found}."
            )
        return parser


class InvalidBody(InvalidInput):
    """The body as a whole is wrong (not an object, or empty where a change is needed): said in
    the detail, with no per-field errors."""


class PartnerAPIView(APIView):
    permission_classes = [IsPartner]
    throttle_classes = [PartnerClientThrottle]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonBodyNegotiation
    # Documents a list's ``filterset_class`` in the OpenAPI document; the list filters with
    # tessera.api.filtering.apply_filters, which also refuses parameters the list does not know.
    filter_backends = [OperatorFilterBackend]

    def initial(self, request, *args, **kwargs) -> None:
        """Refuse, on every operation: a huge query string (even where no parameters are taken,
        which would otherwise ignore it), a path holding U+0000, and an X-Client-Name that breaks
        its documented rule."""
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            raise QueryTooLong(f"The query string is longer than {MAX_QUERY_STRING} characters.")
        if "\x00" in request.path:  # no id holds U+0000, and PostgreSQL would refuse to look
            raise NotFound(f"Nothing at {request.path!r}.")
        check_client_name(request)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        """Every answer the rate limit counted carries its state (RateLimit-* headers), not
        only a 429's Retry-After."""
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "rate_limit_state", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response

    @staticmethod
    def validated(serializer_class: type[serializers.Serializer], request) -> dict:
        """The body, validated: an object whose members are all known and of their documented
        JSON types, then ``serializer_class``'s own rules."""
        if not isinstance(request.data, dict):
            raise InvalidBody("Send a JSON object as the body.")
        serializer = shared(serializer_class)
        wrong = unknown_fields(serializer, request.data)
        for name, errors in json_type_errors(serializer, request.data).items():
            wrong.setdefault(name, errors)
        if wrong:
            raise serializers.ValidationError(wrong)
        return serializer.run_validation(request.data)


def unknown_fields(serializer: serializers.Serializer, data) -> dict:
    """The members of ``data`` that ``serializer`` does not know, at every level of nesting.

    A misspelt member ("emial" in a contact) is refused, not dropped: the partner would otherwise
    believe it was stored. Items of a list are named by their index, as InvalidTravellers does.
    """
    if not isinstance(data, dict):
        return {}  # not an object: the serializer's own validation says so
    errors: dict = {name: ["Unknown field."] for name in sorted(set(data) - set(serializer.fields))}
    for name, field in serializer.fields.items():
        value = data.get(name)
        if isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            items = {
                str(n): found for n, item in enumerate(value) if (found := unknown_fields(field.child, item))
            }
            if items:
                errors[name] = items
        elif isinstance(field, serializers.Serializer) and (found := unknown_fields(field, value)):
            errors[name] = found
    return errors


def _problems(*statuses: int) -> dict:
    """Error responses, documented with the media type they really have."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description="A problem (RFC 9457).")
        for code in (*statuses, 500, 503)
    }


def read_errors() -> dict:
    return _problems(400, 401, 404, 406, 429)


def document_errors() -> dict:
    """A document's read: whatever the client accepts, it gets the document or a problem, no 406."""
    return _problems(400, 401, 404, 429)


def write_errors() -> dict:
    return _problems(400, 401, 402, 403, 404, 406, 409, 413, 415, 422, 429)


def paged(item: type[serializers.Serializer], name: str, *, cursor: bool = False):
    """The envelope of a list: items plus page totals (and, for sync lists, the cursor)."""
    fields = {
        "items": item(many=True),
        "page": serializers.IntegerField(required=False),
        "perPage": serializers.IntegerField(),
        "totalItems": serializers.IntegerField(required=False, help_text="Exact up to 10,000."),
        "totalItemsExact": serializers.BooleanField(required=False),
        "totalPages": serializers.IntegerField(required=False),
    }
    if cursor:
        fields["nextCursor"] = serializers.CharField(
            required=False, allow_null=True, help_text="Pass as cursor for the next page; null at the end."
        )
    return inline_serializer(name=name, fields=fields)
