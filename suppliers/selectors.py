"""Reads of the supply side."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from suppliers.models import Offer, Product, Supplier


def sellable_products() -> QuerySet[Product]:
    """Products a partner can quote now: active, from an active supplier."""
    return Product.objects.filter(is_active=True, supplier__is_active=True).select_related("supplier")


def offer_of(*, partner_id: int, offer_id) -> Offer | None:
    return Offer.objects.filter(pk=offer_id, partner_id=partner_id).first()


@dataclass(frozen=True)
class OpenBreaker:
    supplier: Supplier
    since: datetime
    failures: int
    probe_due_at: datetime


def open_breakers() -> list[OpenBreaker]:
    """Suppliers whose circuit breaker is open (calls held back), with since when; for the
    dashboard, the readiness check and metrics. Any process can read it: the state is on the row."""
    rows = Supplier.objects.filter(breaker_opened_at__isnull=False).order_by("breaker_opened_at")
    return [
        OpenBreaker(
            supplier=row,
            since=row.breaker_opened_at,
            failures=row.breaker_failures,
            probe_due_at=row.breaker_opened_at + timedelta(seconds=row.breaker_cooldown_seconds),
        )
        for row in rows
    ]
