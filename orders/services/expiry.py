"""The rules of ``expires_at`` for PENDING orders (after Entur's expireAt)."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from orders.errors import InvalidExpiry
from orders.models import Order
from tessera.times import iso_utc


def default_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + settings.ORDER_EXPIRY_DEFAULT


def touch(order: Order, now: datetime | None = None) -> None:
    """A change keeps the order alive at least ORDER_EXPIRY_DEFAULT from now; never shortens it."""
    order.expires_at = max(order.expires_at, default_expiry(now))


def validate(expires_at: datetime, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    if timezone.is_naive(expires_at):
        raise InvalidExpiry("expiresAt needs a time zone (for example 2026-01-01T12:00:00Z).")
    if expires_at <= now:
        raise InvalidExpiry("expiresAt cannot be in the past.", expires_at=iso_utc(expires_at))
    if expires_at > now + settings.ORDER_EXPIRY_MAX:
        raise InvalidExpiry("expiresAt cannot be more than six months ahead.", expires_at=iso_utc(expires_at))
    return expires_at
