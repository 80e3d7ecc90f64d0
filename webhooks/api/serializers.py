"""Input and output shapes of webhook endpoints, their deliveries and the event feed."""

from rest_framework import serializers

from webhooks.catalog import public_types
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MAX_EVENT_TYPES = 100


class EndpointCreateIn(serializers.Serializer):
    url = serializers.URLField(max_length=2048, help_text="https URL that receives the POSTs.")
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=public_types()),
        required=False,
        max_length=MAX_EVENT_TYPES,
        help_text="Event types to send; leave out or empty for all.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    enabled = serializers.BooleanField(required=False, default=True)


class EndpointUpdateIn(serializers.Serializer):
    url = serializers.URLField(required=False, max_length=2048)
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=public_types()), required=False, max_length=MAX_EVENT_TYPES
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    enabled = serializers.BooleanField(required=False)


class NoBodyIn(serializers.Serializer):
    """The body of an action that takes none: nothing, or an empty object."""


class RedeliverIn(serializers.Serializer):
    since = serializers.DateTimeField(
        help_text="Every event from this time on that did not reach the endpoint."
    )


class EndpointOut(serializers.ModelSerializer):
    id = serializers.UUIDField()
    eventTypes = serializers.ListField(child=serializers.CharField(), source="event_types")
    disabledReason = serializers.CharField(source="disabled_reason")
    failingSince = serializers.DateTimeField(source="failing_since", allow_null=True)
    previousSecretExpiresAt = serializers.DateTimeField(
        source="previous_secret_expires_at",
        allow_null=True,
        help_text="Until then the previous secret signs too (a second signature).",
    )
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "eventTypes",
            "description",
            "enabled",
            "disabledReason",
            "failingSince",
            "previousSecretExpiresAt",
            "createdAt",
            "updatedAt",
        ]


class EndpointWithSecretOut(EndpointOut):
    secret = serializers.SerializerMethodField(
        help_text="whsec_...: shown this once (a replay of the same Idempotency-Key leaves it out). Store it."
    )

    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]

    def get_secret(self, endpoint) -> str:
        return self.context["secret"]


class WebhookEventOut(serializers.Serializer):
    id = serializers.CharField(source="public_id", help_text="evt_...: the webhook-id of its webhooks.")
    type = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    apiVersion = serializers.CharField(source="api_version")
    data = serializers.JSONField(help_text="The object, its status then and its url (docs/api.md).")


class AttemptOut(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="attempted_at")
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    durationMs = serializers.IntegerField(source="duration_ms")
    nextRetryAt = serializers.DateTimeField(source="next_retry_at", allow_null=True)

    class Meta:
        model = WebhookAttempt
        fields = ["at", "statusCode", "durationMs", "error", "nextRetryAt"]


class DeliveryOut(serializers.ModelSerializer):
    eventId = serializers.CharField(source="event.public_id")
    eventType = serializers.CharField(source="event.type")
    status = serializers.CharField(source="state")
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)
    lastStatusCode = serializers.IntegerField(source="last_status_code", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    attemptList = AttemptOut(source="attempt_rows", many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "eventId",
            "eventType",
            "status",
            "attempts",
            "nextAttemptAt",
            "lastStatusCode",
            "lastError",
            "attemptList",
        ]


class WebhookTestOut(serializers.Serializer):
    eventId = serializers.CharField()
    statusCode = serializers.IntegerField(allow_null=True)
    durationMs = serializers.IntegerField()
    error = serializers.CharField()
    succeeded = serializers.BooleanField()


class RedeliveredOut(serializers.Serializer):
    queued = serializers.IntegerField(help_text="Deliveries queued again.")
