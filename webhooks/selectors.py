"""Reads of webhooks, always within one partner's rows: another partner's is None, a 404."""

from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def endpoints_of(*, partner_id: int):
    return WebhookEndpoint.objects.filter(partner_id=partner_id).order_by("created_at", "id")


def endpoint_for_partner(*, partner_id: int, endpoint_id) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(partner_id=partner_id, pk=endpoint_id).first()


def deliveries_of(*, partner_id: int, endpoint_id):
    """The endpoint's deliveries, newest event first, with their attempts; None: not the partner's."""
    if endpoint_for_partner(partner_id=partner_id, endpoint_id=endpoint_id) is None:
        return None
    return (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id)
        .select_related("event")
        .prefetch_related("attempt_rows")
        .order_by("-event_id")
    )


def delivery_for_partner(*, partner_id: int, endpoint_id, delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id, endpoint_id=endpoint_id, endpoint__partner_id=partner_id
        )
        .select_related("event")
        .first()
    )


def events_of(*, partner_id: int):
    return WebhookEvent.objects.filter(partner_id=partner_id).order_by("id")


def event_for_partner(*, partner_id: int, event_id) -> WebhookEvent | None:
    return WebhookEvent.objects.filter(partner_id=partner_id, pk=event_id).first()
