"""Reads of webhooks, always within one partner's rows: another partner's is None, a 404."""

import uuid

from django.conf import settings
from django.utils import timezone

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
    """One delivery of the partner's endpoint, with its attempts."""
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id, endpoint_id=endpoint_id, endpoint__partner_id=partner_id
        )
        .select_related("event")
        .prefetch_related("attempt_rows")
        .first()
    )


def events_of(*, partner_id: int):
    """The partner's settled events, oldest first.

    An event's id is taken when its transaction writes it, and the transaction commits a moment
    later; a transaction that took its id first may commit after one that took a later id. The
    feed therefore shows only ids older than WEBHOOK_FEED_SETTLE, so an event never becomes
    visible behind a cursor a partner has already passed."""
    settled = timezone.now() - settings.WEBHOOK_FEED_SETTLE
    below = uuid.UUID(int=int(settled.timestamp() * 1000) << 80)  # the smallest id of that millisecond
    return WebhookEvent.objects.filter(partner_id=partner_id, pk__lt=below).order_by("id")


def event_for_partner(*, partner_id: int, event_id) -> WebhookEvent | None:
    return WebhookEvent.objects.filter(partner_id=partner_id, pk=event_id).first()
