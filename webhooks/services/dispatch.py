"""Turning outbox events into deliveries: one per (event, enabled endpoint subscribed to it).

Runs in a worker after the events' transactions committed (webhooks.outbox). Rows are taken
with SKIP LOCKED, so two dispatcher runs at once split the backlog instead of waiting; a delivery
is unique per (event, endpoint), so a run repeated after a crash adds nothing twice.
"""

from django.db import transaction
from django.utils import timezone

from tessera.background.enqueue import enqueue_after_commit
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

DISPATCH_BATCH = 500
DELIVER_TASK = "webhooks.tasks.deliver_endpoint"


def events_dispatch(*, limit: int = DISPATCH_BATCH) -> int:
    """Make the deliveries of up to ``limit`` undispatched events; the number of events taken.
    A full batch queues the next run at once."""
    with transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(dispatched=False)
            .order_by("id")
            .only("id", "partner_id", "order_id", "type")[:limit]
        )
        if not events:
            return 0
        by_partner: dict[int, list[WebhookEndpoint]] = {}
        endpoints = WebhookEndpoint.objects.filter(
            partner_id__in={event.partner_id for event in events}, enabled=True
        ).only("id", "partner_id", "event_types")
        for endpoint in endpoints:
            by_partner.setdefault(endpoint.partner_id, []).append(endpoint)
        now = timezone.now()
        deliveries = [
            WebhookDelivery(event=event, endpoint=endpoint, order_id=event.order_id, next_attempt_at=now)
            for event in events
            for endpoint in by_partner.get(event.partner_id, ())
            if endpoint.subscribes_to(event.type)
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        WebhookEvent.objects.filter(pk__in=[event.pk for event in events]).update(dispatched=True)
        endpoint_ids = sorted({delivery.endpoint_id for delivery in deliveries})
        enqueue_after_commit(DELIVER_TASK, [{"endpoint_id": str(pk)} for pk in endpoint_ids])
        if len(events) == limit:
            enqueue_after_commit("webhooks.tasks.dispatch_events", [{}])
    return len(events)
