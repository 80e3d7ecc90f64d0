"""Webhooks in the back office: endpoints (read-only, with their recent deliveries and attempts),
deliveries (filter by state, redeliver), and actions that call the same services as the API.
Secrets are never shown: they are sealed and only the partner saw them, once."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from tessera.admin_base import ReadOnlyInline, ReadOnlyModelAdmin
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoints, redelivery

ENDPOINT_FIELDS = [
    "id",
    "partner",
    "url",
    "event_types",
    "description",
    "enabled",
    "disabled_reason",
    "disabled_at",
    "failing_since",
    "previous_secret_expires_at",
    "created_at",
    "updated_at",
]


class RecentDeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["event", "state", "attempts", "last_status_code", "last_error", "next_attempt_at"]
    readonly_fields = fields
    ordering = ["-event_id"]
    max_num = 0
    show_change_link = True

    def get_queryset(self, request):
        recent = timezone.now() - timedelta(days=1)
        return super().get_queryset(request).select_related("event").filter(created_at__gte=recent)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyModelAdmin):
    list_display = ["url", "partner", "enabled", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "partner__name"]
    list_select_related = ["partner"]
    fields = ENDPOINT_FIELDS
    inlines = [RecentDeliveryInline]
    actions = ["enable", "disable", "redeliver_last_day"]

    def get_readonly_fields(self, request, obj=None):
        return ENDPOINT_FIELDS

    @admin.action(description="Enable the selected endpoints", permissions=["change"])
    def enable(self, request, queryset):
        for endpoint in queryset:
            endpoints.endpoint_set_enabled(
                partner_id=endpoint.partner_id, endpoint_id=endpoint.pk, enabled=True
            )
        messages.success(
            request, "Enabled. Missed events: use “Redeliver failed events of the last 24 hours”."
        )

    @admin.action(description="Disable the selected endpoints", permissions=["change"])
    def disable(self, request, queryset):
        for endpoint in queryset:
            endpoints.endpoint_set_enabled(
                partner_id=endpoint.partner_id, endpoint_id=endpoint.pk, enabled=False
            )
        messages.success(request, "Disabled.")

    @admin.action(description="Redeliver failed events of the last 24 hours", permissions=["change"])
    def redeliver_last_day(self, request, queryset):
        since = timezone.now() - timedelta(days=1)
        queued = sum(
            redelivery.endpoint_redeliver_since(
                partner_id=endpoint.partner_id, endpoint_id=endpoint.pk, since=since
            )
            for endpoint in queryset
        )
        messages.success(request, f"{queued} deliveries queued again.")


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "duration_ms", "error", "next_retry_at"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = [
        "event",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "updated_at",
    ]
    list_filter = ["state"]
    list_select_related = ["event", "endpoint"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.action(description="Redeliver the selected deliveries", permissions=["change"])
    def redeliver(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            redelivery.delivery_redeliver(
                partner_id=delivery.endpoint.partner_id,
                endpoint_id=delivery.endpoint_id,
                delivery_id=delivery.pk,
            )
        messages.success(request, "Queued again.")
