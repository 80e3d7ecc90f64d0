"""Keeping events WEBHOOK_EVENT_RETENTION_DAYS (30 by default): older ones, with their deliveries
and attempts, are deleted in batches by a periodic task (settings.PERIODIC_TASKS)."""

from django.conf import settings
from django.utils import timezone

from webhooks.models import WebhookEvent

PURGE_BATCH = 5000


def events_purge() -> int:
    """Delete events older than the retention, a batch at a time; the number deleted."""
    cutoff = timezone.now() - settings.WEBHOOK_EVENT_RETENTION
    deleted = 0
    while True:
        ids = list(
            WebhookEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not ids:
            return deleted
        WebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
