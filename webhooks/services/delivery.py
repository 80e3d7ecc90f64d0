"""Delivering an endpoint's events: signed POSTs, retries, and turning off endpoints that are gone.

One task per endpoint (``endpoint_deliver``) takes a slot of the endpoint's bulkhead
(webhooks.bulkhead), then claims due deliveries one at a time, oldest event first, and posts each.
A claim is a conditional UPDATE (``claimed_until``), not a row lock: nothing is locked while an
attempt waits on the network, and the thread gives its database connection back meanwhile. A
delivery waits while an older delivery of the same order to the same endpoint is pending, so an
endpoint receives an order's events in order (a retry of one holds back the order's later ones).

Outcomes: any 2xx succeeds; 410 Gone disables the endpoint; anything else (another status, a
timeout, a refused connection) is retried on WEBHOOK_RETRY_SCHEDULE with jitter, or at the time a
429 or 503's Retry-After names; after the last retry the delivery FAILED. An endpoint that has
failed without a single success for WEBHOOK_DISABLE_AFTER is disabled and the staff dashboard
lists it. Every attempt is a WebhookAttempt row. At-least-once: a worker killed after the POST
and before its bookkeeping leaves the claim to expire and the delivery is sent again, with the
same ``webhook-id``.
"""

import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tessera.background.connections import released_while_waiting
from tessera.background.enqueue import enqueue_after_commit
from tessera.metrics import WEBHOOK_DELIVERIES
from tessera.times import iso_utc
from webhooks import secrets
from webhooks.addresses import UnsafeAddress, check_delivery_url
from webhooks.bulkhead import RUN_SECONDS, lease_acquire, lease_release
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver_endpoint"
DELIVERIES_PER_RUN = 100
MAX_RETRY_AFTER = timedelta(hours=24)
USER_AGENT = "Tessera-Webhooks/1"


def envelope(event: WebhookEvent) -> dict:
    """The body of an event as the webhook and the feed show it."""
    return {
        "id": event.public_id,
        "type": event.type,
        "createdAt": iso_utc(event.created_at),
        "apiVersion": event.api_version,
        "data": event.data,
    }


def signed_request(endpoint: WebhookEndpoint, *, message_id: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers: one ``v1,`` signature per live secret (two during a rotation)."""
    now = timezone.now()
    signatures = [Webhook(secret).sign(message_id, now, body) for secret in secrets.live_secrets(endpoint)]
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    error: str = ""
    retry_after: datetime | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx.Client:
    """One client per process, shared by the worker's threads (httpx's Client is thread-safe):
    a client per attempt built a new TLS context each time (reading the CA bundle), most of a
    delivery's CPU, and kept no connection alive to endpoints that receive many events."""
    global _client  # noqa: PLW0603 - the process's one pooled client, made on first use
    with _client_lock:
        if _client is None:
            _client = httpx.Client(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        return _client


def post(endpoint: WebhookEndpoint, *, message_id: str, body: bytes, timeout: float) -> Answer:
    """POST one signed body; never raises for the endpoint's failures."""
    started = time.monotonic()
    try:
        check_delivery_url(endpoint.url)
        headers = signed_request(endpoint, message_id=message_id, body=body)
        with released_while_waiting():
            response = _http().post(endpoint.url, content=body, headers=headers, timeout=timeout)
    except UnsafeAddress as exc:
        return Answer(None, _ms_since(started), error=str(exc)[:500])
    except httpx.HTTPError as exc:
        return Answer(None, _ms_since(started), error=f"{type(exc).__name__}: {exc}"[:500])
    retry_after = None
    if response.status_code in {429, 503}:
        retry_after = _retry_after(response.headers.get("retry-after"))
    return Answer(response.status_code, _ms_since(started), retry_after=retry_after)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(value: str | None) -> datetime | None:
    """The time a Retry-After header names (seconds or an HTTP date), at most 24 h away."""
    if not value:
        return None
    now = timezone.now()
    try:
        when = now + timedelta(seconds=int(value.strip()))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return min(max(when, now), now + MAX_RETRY_AFTER)


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed attempt, with ±10 % jitter; None: give up."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempts > len(schedule):
        return None
    seconds = schedule[attempts - 1]
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


# --- the endpoint's run ------------------------------------------------------------------------


def endpoint_deliver(*, endpoint_id) -> str:
    """Deliver the endpoint's due events, oldest first, holding one slot of its bulkhead: up to
    DELIVERIES_PER_RUN of them or RUN_SECONDS, then a new run goes on (a task never runs long
    enough to be taken for stuck)."""
    lease_id = lease_acquire(endpoint_id=endpoint_id)
    if lease_id is None:
        return "busy"  # the runs in flight go on to the deliveries due
    delivered = 0
    started = time.monotonic()
    try:
        while (
            delivered < DELIVERIES_PER_RUN
            and time.monotonic() - started < RUN_SECONDS
            and (delivery := _claim_next(endpoint_id)) is not None
        ):
            _attempt(delivery)
            delivered += 1
    finally:
        lease_release(lease_id=lease_id)
    if _due(endpoint_id).exists():
        # More than one run's share, or work that came while the slot was held: go on in a new run
        # (a run queued meanwhile may have found the bulkhead full and left it to this one).
        enqueue_after_commit(DELIVER_TASK, [{"endpoint_id": str(endpoint_id)}])
    return f"delivered {delivered}"


def _due(endpoint_id):
    """The endpoint's deliveries that may go now: due, not in flight, and no older delivery of
    their order to this endpoint still pending."""
    now = timezone.now()
    older_of_order = WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id,
        state=DeliveryState.PENDING,
        order_id=OuterRef("order_id"),
        event_id__lt=OuterRef("event_id"),
    )
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .exclude(Exists(older_of_order))
    )


def _claim_next(endpoint_id) -> WebhookDelivery | None:
    """Claim the oldest delivery that may go now (a conditional UPDATE, no lock held after)."""
    candidates = _due(endpoint_id).select_related("event", "endpoint").order_by("event_id")[:5]
    for candidate in candidates:
        now = timezone.now()
        hold = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
        # Compare and set on the row as read: still PENDING, due, unclaimed, and not attempted
        # since (another run may have sent it and scheduled a retry in between).
        claimed = (
            WebhookDelivery.objects.filter(
                pk=candidate.pk,
                state=DeliveryState.PENDING,
                attempts=candidate.attempts,
                next_attempt_at__lte=now,
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + hold)
        )
        if claimed:
            return candidate
    return None


def _attempt(delivery: WebhookDelivery) -> None:
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        _finish(delivery, state=DeliveryState.FAILED, error="The endpoint is disabled.")
        return
    body = json.dumps(envelope(delivery.event), separators=(",", ":")).encode()
    answer = post(
        endpoint, message_id=delivery.event.public_id, body=body, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    _record(delivery, answer)


def _record(delivery: WebhookDelivery, answer: Answer) -> None:
    now = timezone.now()
    attempts = delivery.attempts + 1
    error = answer.error or ("" if answer.succeeded else f"HTTP {answer.status_code}")
    next_at = None
    if answer.succeeded:
        state, outcome = DeliveryState.SUCCEEDED, "succeeded"
    elif answer.status_code == 410:
        state, outcome = DeliveryState.FAILED, "endpoint_gone"
    elif (delay := retry_delay(attempts)) is None:
        state, outcome = DeliveryState.FAILED, "failed"
    else:
        state, outcome = DeliveryState.PENDING, "retrying"
        next_at = max(now + delay, answer.retry_after) if answer.retry_after else now + delay
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            error=error[:500],
            next_retry_at=next_at,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=state,
            attempts=attempts,
            next_attempt_at=next_at,
            claimed_until=None,
            last_status_code=answer.status_code,
            last_error=error[:500],
            updated_at=now,
        )
        _endpoint_health(
            delivery.endpoint, succeeded=answer.succeeded, gone=answer.status_code == 410, now=now
        )
        if next_at is not None:
            enqueue_after_commit(
                DELIVER_TASK, [{"endpoint_id": str(delivery.endpoint_id)}], run_after=next_at
            )
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()


def _finish(delivery: WebhookDelivery, *, state: str, error: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state, claimed_until=None, next_attempt_at=None, last_error=error, updated_at=timezone.now()
    )


def _endpoint_health(endpoint: WebhookEndpoint, *, succeeded: bool, gone: bool, now: datetime) -> None:
    """Clear ``failing_since`` on a success; set it on the first failure; disable the endpoint on
    410 or after WEBHOOK_DISABLE_AFTER of failures without a success."""
    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if succeeded:
        if endpoint.failing_since is not None:
            rows.update(failing_since=None)
        return
    if gone:
        endpoint_disable_for(endpoint.pk, reason="The endpoint answered 410 Gone.", now=now)
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    failing_since = endpoint.failing_since or now
    if now - failing_since >= settings.WEBHOOK_DISABLE_AFTER:
        hours = int(settings.WEBHOOK_DISABLE_AFTER.total_seconds() // 3600)
        endpoint_disable_for(endpoint.pk, reason=f"Every delivery failed for {hours} hours.", now=now)


def endpoint_disable_for(endpoint_id, *, reason: str, now: datetime) -> None:
    """Disable an endpoint for a delivery reason; its pending deliveries FAILED (the events stay in
    the feed, and redeliver sends them again once it is enabled)."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).update(
        enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now
    )
    WebhookDelivery.objects.filter(endpoint_id=endpoint_id, state=DeliveryState.PENDING).update(
        state=DeliveryState.FAILED, next_attempt_at=None, last_error=reason[:500], updated_at=now
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)
