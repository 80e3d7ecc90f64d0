"""Partners' webhooks: the outbox of partner-visible events, the endpoints they are sent to, and
each delivery with its attempts.

A WebhookEvent is written in the transaction of the change it tells of (webhooks.outbox), so an
event exists exactly when its change does; the feed (GET /api/v1/events) reads these rows and the
workers deliver them (webhooks.services.delivery). A delivery's ``state`` is operational, not
audited: its attempts are its trail, so it is a plain field rather than an FSM status.
"""

import re
import uuid

from django.db import models
from django.db.models import Q

from orders.models import Order, Partner
from tessera.ids import time_ordered_uuid

EVENT_ID_PREFIX = "evt_"
EVENT_ID_PATTERN = r"evt_[0-9a-f]{32}"
ENDPOINT_ID_PREFIX = "we_"


class WebhookEvent(models.Model):
    """One partner-visible event, written with its change. The id is time-ordered (UUID v7): the
    feed's cursor and the webhooks' ``webhook-id`` are ``evt_<its hex>``."""

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64)
    api_version = models.CharField(max_length=16)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    # Cleared once the dispatcher made its deliveries (a partial index finds the few left).
    dispatched = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["partner", "id"], name="webhook_event_feed"),
            models.Index(fields=["partner", "order", "id"], name="webhook_event_order"),
            models.Index(fields=["partner", "type", "id"], name="webhook_event_type"),
            models.Index(fields=["created_at"], name="webhook_event_created"),
            models.Index(fields=["id"], condition=Q(dispatched=False), name="webhook_event_undispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"

    @property
    def public_id(self) -> str:
        return f"{EVENT_ID_PREFIX}{self.id.hex}"


def parse_event_id(raw: str) -> uuid.UUID | None:
    """The UUID of ``evt_<32 lower-case hex digits>``, or None when ``raw`` is not one."""
    if not re.fullmatch(EVENT_ID_PATTERN, raw):
        return None
    return uuid.UUID(hex=raw.removeprefix(EVENT_ID_PREFIX))


class WebhookEndpoint(models.Model):
    """A partner's URL that receives its events, signed with a secret sealed at rest (binding
    ``webhook_endpoint``). During a rotation the previous secret signs too, until it expires."""

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2048)
    event_types = models.JSONField(default=list, blank=True, help_text="Public event types; empty: all.")
    description = models.CharField(max_length=500, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    key_id = models.CharField(max_length=32)
    secret_sealed = models.BinaryField()
    previous_secret_sealed = models.BinaryField(null=True, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["partner", "created_at"], name="webhook_endpoint_partner")]

    def __str__(self) -> str:
        return self.url

    @property
    def public_id(self) -> str:
        return f"{ENDPOINT_ID_PREFIX}{self.id.hex}"

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"


class WebhookDelivery(models.Model):
    """One event to one endpoint: PENDING until a 2xx (SUCCEEDED) or the retries run out or the
    endpoint is disabled (FAILED). ``claimed_until`` marks an attempt in flight; an attempt's
    worker holds no row lock while it waits on the network."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    order_id = models.UUIDField(null=True, blank=True)  # the event's, for in-order delivery per order
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event_id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=Q(state="PENDING"),
                name="webhook_delivery_due",
            ),
            models.Index(
                fields=["endpoint", "order_id", "event"],
                condition=Q(state="PENDING"),
                name="webhook_delivery_order",
            ),
            models.Index(fields=["endpoint", "state", "event"], name="webhook_delivery_list"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}: {self.state}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the endpoint answered, how long it took, what comes next."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"


class WebhookLease(models.Model):
    """A slot of an endpoint's bulkhead held by one delivery in flight (as SupplierCallLease):
    a worker killed mid-call leaves it behind, and it expires after the timeout plus a margin."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["endpoint", "expires_at"], name="webhook_lease_expiry")]

    def __str__(self) -> str:
        return f"delivery to {self.endpoint_id} until {self.expires_at:%H:%M:%S}"
