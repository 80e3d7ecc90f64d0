"""Sending events again: one delivery, or every failed event of an endpoint since a time."""

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tessera.background.enqueue import enqueue_after_commit
from webhooks.errors import WebhookDeliveryNotFound
from webhooks.locks import lock_endpoint
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEvent
from webhooks.services.delivery import DELIVER_TASK

BATCH = 1000


def delivery_redeliver(*, partner_id: int, endpoint_id, delivery_id: int) -> WebhookDelivery:
    """Queue the delivery again, with a fresh retry schedule (any state: a partner may want an
    event that succeeded once more; the webhook-id is the same, so its receiver deduplicates)."""
    with transaction.atomic():
        lock_endpoint(partner_id=partner_id, endpoint_id=endpoint_id)
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, endpoint_id=endpoint_id)
            .first()
        )
        if delivery is None:
            raise WebhookDeliveryNotFound("No such delivery of this endpoint.")
        _requeue(WebhookDelivery.objects.filter(pk=delivery.pk))
        enqueue_after_commit(DELIVER_TASK, [{"endpoint_id": str(endpoint_id)}])
    delivery.refresh_from_db()
    return delivery


def endpoint_redeliver_since(*, partner_id: int, endpoint_id, since: datetime) -> int:
    """Queue again every event since ``since`` that did not reach the endpoint: its FAILED
    deliveries, and the events it subscribes to that were never sent to it (it was disabled or
    did not exist yet). The number of deliveries queued."""
    with transaction.atomic():
        endpoint = lock_endpoint(partner_id=partner_id, endpoint_id=endpoint_id)
        failed = WebhookDelivery.objects.filter(
            endpoint_id=endpoint.pk, state=DeliveryState.FAILED, event__created_at__gte=since
        )
        queued = _requeue(failed)
        missing = WebhookEvent.objects.filter(
            partner_id=partner_id, created_at__gte=since, dispatched=True
        ).exclude(Exists(WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, event_id=OuterRef("pk"))))
        if endpoint.event_types:
            missing = missing.filter(type__in=endpoint.event_types)
        now = timezone.now()
        while rows := list(missing.order_by("id").only("id", "order_id")[:BATCH]):
            fresh = [
                WebhookDelivery(event=event, endpoint=endpoint, order_id=event.order_id, next_attempt_at=now)
                for event in rows
            ]
            WebhookDelivery.objects.bulk_create(fresh, ignore_conflicts=True)
            queued += len(rows)
        if queued:
            enqueue_after_commit(DELIVER_TASK, [{"endpoint_id": str(endpoint.pk)}])
    return queued


def _requeue(deliveries) -> int:
    return deliveries.update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claimed_until=None,
        updated_at=timezone.now(),
    )
