"""``{% webhook_attention %}``: the admin index's list of webhook endpoints that were disabled
because deliveries failed (410 Gone, or failing for WEBHOOK_DISABLE_AFTER), and of those failing
now. Webhooks sits beside the back office, so it adds its own part to the page."""

from django import template
from django.urls import reverse

from webhooks.models import WebhookEndpoint

register = template.Library()

SHOWN = 10


@register.inclusion_tag("admin/webhooks/attention.html", takes_context=True)
def webhook_attention(context) -> dict:
    if not context["request"].user.has_perm("webhooks.view_webhookendpoint"):
        return {"shown": False}
    endpoints = WebhookEndpoint.objects.select_related("partner").only(
        "url", "partner__name", "disabled_reason", "disabled_at", "failing_since", "enabled"
    )
    disabled = list(
        endpoints.filter(enabled=False)
        .exclude(disabled_reason="Disabled by the partner.")
        .order_by("-disabled_at")[:SHOWN]
    )
    failing = list(
        endpoints.filter(enabled=True, failing_since__isnull=False).order_by("failing_since")[:SHOWN]
    )
    return {
        "shown": True,
        "disabled": [(e, reverse("admin:webhooks_webhookendpoint_change", args=[e.pk])) for e in disabled],
        "failing": [(e, reverse("admin:webhooks_webhookendpoint_change", args=[e.pk])) for e in failing],
    }
