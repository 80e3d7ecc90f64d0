"""Webhook endpoints, their deliveries and the event feed in the partner API. Thin: services decide.

Every write takes an Idempotency-Key. The answers of create and rotate-secret hold the secret,
which Tessera keeps only sealed: the answer stored for a replay leaves it out (``stored_data``),
so a repeat with the same key answers the endpoint without its secret.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from tessera.api.base import InvalidBody, PartnerAPIView, paged, read_errors, write_errors
from tessera.api.filtering import check_params, valid_filters
from tessera.api.idempotency import idempotent
from tessera.api.pagination import PAGE_PARAMS, page_parameters, page_request, paginate
from tessera.api.rendering import render, render_many
from tessera.errors import InvalidFilter
from webhooks import selectors
from webhooks.api.filters import DeliveryFilters, EventFilters
from webhooks.api.serializers import (
    DeliveryOut,
    EndpointCreateIn,
    EndpointOut,
    EndpointUpdateIn,
    EndpointWithSecretOut,
    NoBodyIn,
    RedeliveredOut,
    RedeliverIn,
    WebhookEventOut,
    WebhookTestOut,
)
from webhooks.errors import EventNotFound, WebhookEndpointNotFound
from webhooks.models import EVENT_ID_PATTERN, parse_event_id
from webhooks.services import endpoints, redelivery

ENDPOINT_ID = OpenApiParameter(
    "webhook_endpoint_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Webhook endpoint id."
)
DELIVERY_ID = OpenApiParameter(
    "webhook_delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Delivery id."
)
FEED_MAX = 100
FEED_DEFAULT = 50
FEED_PARAMS = ("after", "limit")
UPDATABLE = {"url": "url", "eventTypes": "event_types", "description": "description", "enabled": "enabled"}


def _endpoint(request, endpoint_id):
    endpoint = selectors.endpoint_for_partner(partner_id=request.user.partner.pk, endpoint_id=endpoint_id)
    if endpoint is None:
        raise WebhookEndpointNotFound("No such webhook endpoint.")
    return endpoint


def _with_secret(endpoint, secret: str, **kwargs) -> Response:
    """The answer holding the secret; the stored answer, replayed to a repeat, does not."""
    shown = EndpointWithSecretOut(endpoint, context={"secret": secret}).data
    response = Response(shown, **kwargs)
    response.stored_data = {name: value for name, value in shown.items() if name != "secret"}
    return response


class EndpointCollection(PartnerAPIView):
    @extend_schema(
        operation_id="listWebhookEndpoints",
        summary="Your webhook endpoints, oldest first",
        parameters=[*page_parameters()],
        responses={200: paged(EndpointOut, "WebhookEndpointPage"), **read_errors()},
    )
    def get(self, request):
        check_params(request.query_params, PAGE_PARAMS)
        items, meta = paginate(
            selectors.endpoints_of(partner_id=request.user.partner.pk), page_request(request.query_params)
        )
        return Response({"items": render_many(EndpointOut, items), **meta})

    @extend_schema(
        operation_id="createWebhookEndpoint",
        summary="Add a webhook endpoint; its signing secret is in this answer only",
        description=(
            "The URL must be https and resolve to public addresses (loopback, private and link-local "
            "ones are refused). The secret is in this answer only: a repeat with the same "
            "Idempotency-Key answers the endpoint without it (rotate it if the answer was lost)."
        ),
        request=EndpointCreateIn,
        responses={201: EndpointWithSecretOut, **write_errors()},
    )
    @idempotent
    def post(self, request):
        data = self.validated(EndpointCreateIn, request)
        endpoint, secret = endpoints.endpoint_create(
            partner_id=request.user.partner.pk,
            url=data["url"],
            event_types=data.get("eventTypes", []),
            description=data.get("description", ""),
            enabled=data.get("enabled", True),
        )
        return _with_secret(
            endpoint,
            secret,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:webhook-endpoint", args=[endpoint.pk])},
        )


class EndpointItem(PartnerAPIView):
    @extend_schema(
        operation_id="getWebhookEndpoint",
        summary="Get a webhook endpoint",
        parameters=[ENDPOINT_ID],
        responses={200: EndpointOut, **read_errors()},
    )
    def get(self, request, webhook_endpoint_id):
        return Response(render(EndpointOut, _endpoint(request, webhook_endpoint_id)))

    @extend_schema(
        operation_id="updateWebhookEndpoint",
        summary="Change a webhook endpoint's URL, event types, description or enabled",
        parameters=[ENDPOINT_ID],
        request=EndpointUpdateIn,
        responses={200: EndpointOut, **write_errors()},
    )
    @idempotent
    def patch(self, request, webhook_endpoint_id):
        data = self.validated(EndpointUpdateIn, request)
        if not data:
            raise InvalidBody("The body changes nothing: give url, eventTypes, description or enabled.")
        names = {
            "url": "url",
            "eventTypes": "event_types",
            "description": "description",
            "enabled": "enabled",
        }
        changes = {names[key]: value for key, value in data.items()}
        endpoint = endpoints.endpoint_update(
            partner_id=request.user.partner.pk, endpoint_id=webhook_endpoint_id, changes=changes
        )
        return Response(render(EndpointOut, endpoint))

    @extend_schema(
        operation_id="deleteWebhookEndpoint",
        summary="Delete a webhook endpoint and its deliveries (the events stay in the feed)",
        parameters=[ENDPOINT_ID],
        responses={204: None, **read_errors()},
    )
    def delete(self, request, webhook_endpoint_id):
        endpoints.endpoint_delete(partner_id=request.user.partner.pk, endpoint_id=webhook_endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _enabled(request, endpoint_id, *, enabled: bool) -> Response:
    PartnerAPIView.validated(NoBodyIn, request)
    endpoint = endpoints.endpoint_set_enabled(
        partner_id=request.user.partner.pk, endpoint_id=endpoint_id, enabled=enabled
    )
    return Response(render(EndpointOut, endpoint))


class EndpointDisable(PartnerAPIView):
    @extend_schema(
        operation_id="disableWebhookEndpoint",
        summary="Stop sending to a webhook endpoint",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: EndpointOut, **write_errors()},
    )
    @idempotent
    def post(self, request, webhook_endpoint_id):
        return _enabled(request, webhook_endpoint_id, enabled=False)


class EndpointEnable(PartnerAPIView):
    @extend_schema(
        operation_id="enableWebhookEndpoint",
        summary="Send to a webhook endpoint again (events of the pause: POST .../redeliver)",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: EndpointOut, **write_errors()},
    )
    @idempotent
    def post(self, request, webhook_endpoint_id):
        return _enabled(request, webhook_endpoint_id, enabled=True)


class EndpointRotateSecret(PartnerAPIView):
    @extend_schema(
        operation_id="rotateWebhookSecret",
        summary="A new signing secret, in this answer only; the old one signs too for 24 hours",
        description=(
            "Until previousSecretExpiresAt every webhook carries two signatures in webhook-signature, "
            "one per secret, so a receiver can switch at its own pace. A repeat with the same "
            "Idempotency-Key answers without the secret."
        ),
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: EndpointWithSecretOut, **write_errors()},
    )
    @idempotent
    def post(self, request, webhook_endpoint_id):
        self.validated(NoBodyIn, request)
        endpoint, secret = endpoints.endpoint_rotate_secret(
            partner_id=request.user.partner.pk, endpoint_id=webhook_endpoint_id
        )
        return _with_secret(endpoint, secret)


class EndpointTest(PartnerAPIView):
    @extend_schema(
        operation_id="testWebhookEndpoint",
        summary="Send a signed ping event to the endpoint now and say what it answered",
        description=(
            "The ping (type ping) is not in the feed and is not retried; 5-second timeout. A repeat "
            "with the same Idempotency-Key answers what the first ping got, without sending again."
        ),
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: WebhookTestOut, **write_errors()},
    )
    @idempotent
    def post(self, request, webhook_endpoint_id):
        self.validated(NoBodyIn, request)
        message_id, answer = endpoints.endpoint_test(
            partner_id=request.user.partner.pk, endpoint_id=webhook_endpoint_id
        )
        return Response(
            {
                "eventId": message_id,
                "statusCode": answer.status_code,
                "durationMs": answer.duration_ms,
                "error": answer.error,
                "succeeded": answer.succeeded,
            }
        )


class EndpointDeliveries(PartnerAPIView):
    filterset_class = DeliveryFilters

    @extend_schema(
        operation_id="listWebhookDeliveries",
        summary="The endpoint's deliveries with their attempts, newest event first",
        parameters=[ENDPOINT_ID, *page_parameters()],
        responses={200: paged(DeliveryOut, "WebhookDeliveryPage"), **read_errors()},
    )
    def get(self, request, webhook_endpoint_id):
        filters = valid_filters(request.query_params, self.filterset_class, reserved=PAGE_PARAMS)
        deliveries = selectors.deliveries_of(
            partner_id=request.user.partner.pk, endpoint_id=webhook_endpoint_id
        )
        if deliveries is None:
            raise WebhookEndpointNotFound("No such webhook endpoint.")
        items, meta = paginate(filters.filter_queryset(deliveries), page_request(request.query_params))
        return Response({"items": render_many(DeliveryOut, items), **meta})


class DeliveryRedeliver(PartnerAPIView):
    @extend_schema(
        operation_id="redeliverWebhookDelivery",
        summary="Send one delivery's event again, with a fresh retry schedule",
        parameters=[ENDPOINT_ID, DELIVERY_ID],
        request=None,
        responses={202: DeliveryOut, **write_errors()},
    )
    @idempotent
    def post(self, request, webhook_endpoint_id, webhook_delivery_id):
        self.validated(NoBodyIn, request)
        partner_id = request.user.partner.pk
        delivery = redelivery.delivery_redeliver(
            partner_id=partner_id, endpoint_id=webhook_endpoint_id, delivery_id=webhook_delivery_id
        )
        delivery = selectors.delivery_for_partner(
            partner_id=partner_id, endpoint_id=webhook_endpoint_id, delivery_id=delivery.pk
        )
        return Response(render(DeliveryOut, delivery), status=status.HTTP_202_ACCEPTED)


class EndpointRedeliver(PartnerAPIView):
    @extend_schema(
        operation_id="redeliverWebhookEvents",
        summary="Send again every event since a time that did not reach the endpoint",
        description=(
            "Its FAILED deliveries, and the events it subscribes to that were never sent to it "
            "(it was disabled), each with a fresh retry schedule."
        ),
        parameters=[ENDPOINT_ID],
        request=RedeliverIn,
        responses={202: RedeliveredOut, **write_errors()},
    )
    @idempotent
    def post(self, request, webhook_endpoint_id):
        data = self.validated(RedeliverIn, request)
        queued = redelivery.endpoint_redeliver_since(
            partner_id=request.user.partner.pk, endpoint_id=webhook_endpoint_id, since=data["since"]
        )
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)


EVENT_PAGE = inline_serializer(
    name="EventFeedPage",
    fields={
        "items": WebhookEventOut(many=True),
        "limit": serializers.IntegerField(),
        "hasMore": serializers.BooleanField(help_text="More events follow: ask again with after=nextAfter."),
        "nextAfter": serializers.CharField(
            allow_null=True, help_text="The last event's id, to pass as after; null when there are none."
        ),
    },
)


class EventFeed(PartnerAPIView):
    filterset_class = EventFilters

    @extend_schema(
        operation_id="listEvents",
        summary="Your events, oldest first, after a cursor",
        description=(
            "The events your webhooks carry, kept 30 days: catch up after a pause by passing the last "
            "id you processed as after. An after id that is not one of yours is 404."
        ),
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "string", "pattern": f"^{EVENT_ID_PATTERN}$"},
                description="An event id of yours (evt_...): the events after it.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": FEED_MAX},
                description=f"How many events at most; {FEED_DEFAULT} by default.",
            ),
        ],
        responses={200: EVENT_PAGE, **read_errors()},
    )
    def get(self, request):
        params = request.query_params
        filters = valid_filters(params, self.filterset_class, reserved=FEED_PARAMS)
        partner_id = request.user.partner.pk
        limit = _feed_limit(params.get("limit"))
        events = filters.filter_queryset(selectors.events_of(partner_id=partner_id))
        if "after" in params:
            after = parse_event_id(params["after"])
            if after is None:
                raise InvalidFilter(
                    "after is not valid.", errors={"after": ["Expected an event id, evt_..."]}
                )
            if selectors.event_for_partner(partner_id=partner_id, event_id=after) is None:
                raise EventNotFound("No such event.", after=params["after"])
            events = events.filter(pk__gt=after)
        items = list(events[: limit + 1])
        more = len(items) > limit
        items = items[:limit]
        return Response(
            {
                "items": render_many(WebhookEventOut, items),
                "limit": limit,
                "hasMore": more,
                "nextAfter": items[-1].public_id if items else params.get("after"),
            }
        )


def _feed_limit(raw: str | None) -> int:
    if raw is None:
        return FEED_DEFAULT
    if not raw.isdecimal() or not 1 <= int(raw) <= FEED_MAX:
        raise InvalidFilter(
            "limit is not valid.", errors={"limit": [f"Expected a whole number from 1 to {FEED_MAX}."]}
        )
    return int(raw)
