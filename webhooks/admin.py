"""Webhooks in the back office: endpoints (with their recent deliveries and attempts), deliveries
(filter by state, redeliver), and actions that call the same services as the API.

Staff who may add endpoints (``webhooks.add_webhookendpoint``: the Admin role) also change their
URL, event types, description and enabled, and rotate their signing secret; the form goes through
``webhooks.services.endpoints`` so the API's checks (https and public addresses in production,
known event types) refuse the same URLs here. A new or rotated secret is shown once, in the
confirmation message; the page never shows one. Support (``change``) enables, disables and
redelivers, and sees the rest read-only."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone

from tessera.admin_base import ReadOnlyInline, ReadOnlyModelAdmin
from tessera.errors import InvalidInput
from tessera.times import iso_utc
from webhooks.catalog import public_types
from webhooks.errors import UnsafeWebhookUrl
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
EDITABLE = ["url", "event_types", "description", "enabled"]
SECRET_WARNING = "copy it now, it is not shown again."


def _event_type_choices() -> list[tuple[str, str]]:
    return [(str(name), str(name)) for name in public_types()]


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=_event_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type, including ones added later.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["partner", *EDITABLE]
        labels = {"url": "URL"}
        # a plain input: the admin's URL widget would link a refused URL as "Currently"
        widgets = {"url": forms.URLInput(attrs={"class": "vURLField"})}

    def clean(self):
        """The service's own checks, so a refused URL is shown on its field and nothing is saved."""
        data = super().clean()
        url = data.get("url")
        if not url:
            return data
        try:
            endpoints.endpoint_check(url=url, event_types=data.get("event_types", []))
        except UnsafeWebhookUrl as exc:
            self.add_error("url", exc.detail)
        except InvalidInput as exc:
            self.add_error("event_types", exc.context.get("errors", {}).get("eventTypes") or exc.detail)
        return data


class RecentDeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["event", "state", "attempts", "last_status_code", "last_error", "next_attempt_at"]
    readonly_fields = fields
    ordering = ["-event_id"]
    max_num = 0
    show_change_link = True
    verbose_name_plural = "Deliveries of the last 24 hours"

    def get_queryset(self, request):
        recent = timezone.now() - timedelta(days=1)
        return super().get_queryset(request).select_related("event").filter(created_at__gte=recent)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "partner", "enabled", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    inlines = [RecentDeliveryInline]
    actions = ["enable", "disable", "redeliver_last_day", "rotate_secret"]

    def has_configure_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.add_webhookendpoint")

    def has_add_permission(self, request) -> bool:
        return self.has_configure_permission(request)

    def get_fields(self, request, obj=None):
        return ["partner", *EDITABLE] if obj is None else ENDPOINT_FIELDS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if self.has_configure_permission(request):
            return [name for name in ENDPOINT_FIELDS if name not in EDITABLE]
        return ENDPOINT_FIELDS

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Saved from here by whoever may configure endpoints, through the services (save_model);
        read-only, as every lifecycle record, for the others."""
        if self.has_configure_permission(request):
            return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: WebhookEndpoint, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in EDITABLE if name in form.changed_data}
            if changes:
                endpoints.endpoint_update(partner_id=obj.partner_id, endpoint_id=obj.pk, changes=changes)
            return
        endpoint, secret = endpoints.endpoint_create(
            partner_id=data["partner"].pk,
            url=data["url"],
            event_types=data["event_types"],
            description=data["description"],
            enabled=data["enabled"],
        )
        obj.pk, obj.created_at = endpoint.pk, endpoint.created_at
        messages.warning(request, f"Signing secret of {endpoint.url}: {secret} — {SECRET_WARNING}")

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

    @admin.action(description="Rotate signing secret", permissions=["configure"])
    def rotate_secret(self, request, queryset):
        grace_hours = settings.WEBHOOK_SECRET_GRACE / timedelta(hours=1)
        for endpoint in queryset:
            rotated, secret = endpoints.endpoint_rotate_secret(
                partner_id=endpoint.partner_id, endpoint_id=endpoint.pk
            )
            self.log_change(request, rotated, "Rotated the signing secret.")
            messages.warning(
                request,
                f"New signing secret of {rotated.url}: {secret} — {SECRET_WARNING} The old secret "
                f"keeps signing too for {grace_hours:g} hours (WEBHOOK_SECRET_GRACE), until "
                f"{iso_utc(rotated.previous_secret_expires_at.replace(microsecond=0))}.",
            )


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
