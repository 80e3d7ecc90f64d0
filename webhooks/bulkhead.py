"""Bulkheads of endpoints: at most WEBHOOK_MAX_IN_FLIGHT deliveries to one endpoint at once,
counted across every worker by lease rows (as suppliers.bulkhead does for suppliers).

A slow or dead endpoint therefore holds at most that many worker threads, each for one run (at
most RUN_SECONDS plus one attempt's WEBHOOK_TIMEOUT_SECONDS); every other endpoint's deliveries,
and every order's tasks, run beside it. A full bulkhead answers at once, without a lock.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks.models import WebhookEndpoint, WebhookLease

LEASE_MARGIN_SECONDS = 30
# A delivery run holds its slot for at most this long before it starts its last attempt
# (webhooks.services.delivery), so a lease outlives the run: this, plus one attempt, plus a margin.
RUN_SECONDS = 60


def lease_acquire(*, endpoint_id) -> int | None:
    """A slot of the endpoint's bulkhead (the lease's id), or None when all are taken."""
    now = timezone.now()
    limit = settings.WEBHOOK_MAX_IN_FLIGHT
    if WebhookLease.objects.filter(endpoint_id=endpoint_id, expires_at__gte=now).count() >= limit:
        return None
    with transaction.atomic():
        if WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first() is None:
            return None
        leases = WebhookLease.objects.filter(endpoint_id=endpoint_id)
        if leases.count() >= limit:
            leases.filter(expires_at__lt=now).delete()  # slots of killed workers
            if leases.count() >= limit:
                return None
        hold_for = timedelta(seconds=RUN_SECONDS + settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)
        return WebhookLease.objects.create(endpoint_id=endpoint_id, expires_at=now + hold_for).pk


def lease_release(*, lease_id: int) -> None:
    WebhookLease.objects.filter(pk=lease_id).delete()
