"""A partner's webhook endpoints: create, change, turn off and on, delete, rotate the secret, and
send a test event. The secret is returned by create and rotate only; it is stored sealed."""

import json
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tessera.errors import InvalidInput
from tessera.ids import time_ordered_uuid
from tessera.times import iso_utc
from webhooks import secrets
from webhooks.addresses import UnsafeAddress, check_delivery_url
from webhooks.catalog import PING, public_types
from webhooks.errors import UnsafeWebhookUrl, WebhookEndpointNotFound
from webhooks.locks import lock_endpoint
from webhooks.models import EVENT_ID_PREFIX, WebhookEndpoint
from webhooks.services.delivery import Answer, post

TEST_TIMEOUT_SECONDS = 5.0


def _checked_url(url: str) -> str:
    try:
        check_delivery_url(url)
    except UnsafeAddress as exc:
        raise UnsafeWebhookUrl(str(exc), url=url) from exc
    return url


def _checked_types(event_types: list[str]) -> list[str]:
    known = set(public_types())
    unknown = [name for name in event_types if name not in known]
    if unknown:
        raise InvalidInput(
            "Some event types are not known.",
            errors={
                "eventTypes": [
                    f"{name!r} is not an event type (docs/api.md, Event catalog)." for name in unknown
                ]
            },
        )
    return sorted(set(event_types))


def endpoint_check(*, url: str, event_types: list[str]) -> None:
    """Raise what create and update would refuse ``url`` or ``event_types`` with, writing nothing:
    the admin's form shows the refusal on its field before anything is saved."""
    _checked_url(url)
    _checked_types(event_types)


def endpoint_create(
    *, partner_id: int, url: str, event_types: list[str], description: str = "", enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (``whsec_...``), which is never shown again."""
    endpoint = WebhookEndpoint(
        partner_id=partner_id,
        url=_checked_url(url),
        event_types=_checked_types(event_types),
        description=description,
        enabled=enabled,
    )
    secret = secrets.new_secret()
    secrets.seal_secret(endpoint, secret)
    with transaction.atomic():
        endpoint.save(force_insert=True)
    return endpoint, secret


def endpoint_update(*, partner_id: int, endpoint_id, changes: dict) -> WebhookEndpoint:
    """Change url, eventTypes, description or enabled (enabling clears why it was disabled)."""
    if "url" in changes:
        _checked_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _checked_types(changes["event_types"])
    with transaction.atomic():
        endpoint = lock_endpoint(partner_id=partner_id, endpoint_id=endpoint_id)
        for name in ("url", "event_types", "description"):
            if name in changes:
                setattr(endpoint, name, changes[name])
        if "enabled" in changes:
            _set_enabled(endpoint, changes["enabled"])
        endpoint.save()
    return endpoint


def endpoint_set_enabled(*, partner_id: int, endpoint_id, enabled: bool) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint = lock_endpoint(partner_id=partner_id, endpoint_id=endpoint_id)
        _set_enabled(endpoint, enabled)
        endpoint.save()
    return endpoint


def _set_enabled(endpoint: WebhookEndpoint, enabled: bool) -> None:
    if enabled == endpoint.enabled:
        return
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason, endpoint.disabled_at, endpoint.failing_since = "", None, None
    else:
        endpoint.disabled_reason, endpoint.disabled_at = "Disabled by the partner.", timezone.now()


def endpoint_delete(*, partner_id: int, endpoint_id) -> None:
    """Delete the endpoint with its deliveries; the events stay in the feed."""
    with transaction.atomic():
        lock_endpoint(partner_id=partner_id, endpoint_id=endpoint_id).delete()


def endpoint_rotate_secret(*, partner_id: int, endpoint_id) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one still signs for WEBHOOK_SECRET_GRACE (both signatures are sent)."""
    secret = secrets.new_secret()
    with transaction.atomic():
        endpoint = lock_endpoint(partner_id=partner_id, endpoint_id=endpoint_id)
        secrets.rotate(endpoint, secret, grace=settings.WEBHOOK_SECRET_GRACE)
        endpoint.save()
    return endpoint, secret


def endpoint_test(*, partner_id: int, endpoint_id) -> tuple[str, Answer]:
    """POST a signed ``ping`` event to the endpoint now and say what it answered. The ping is in
    no feed and is not retried. It writes nothing, so it locks nothing while it waits."""
    endpoint = WebhookEndpoint.objects.filter(partner_id=partner_id, pk=endpoint_id).first()
    if endpoint is None:
        raise WebhookEndpointNotFound("No such webhook endpoint.")
    message_id = f"{EVENT_ID_PREFIX}{time_ordered_uuid().hex}"
    now: datetime = timezone.now()
    body = {
        "id": message_id,
        "type": PING,
        "createdAt": iso_utc(now),
        "apiVersion": settings.WEBHOOK_API_VERSION,
        "data": {"object": "webhook_endpoint", "id": endpoint.public_id},
    }
    encoded = json.dumps(body, separators=(",", ":")).encode()
    return message_id, post(endpoint, message_id=message_id, body=encoded, timeout=TEST_TIMEOUT_SECONDS)
