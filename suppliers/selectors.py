"""Reads of the supply side."""

from django.db.models import QuerySet

from suppliers.models import Offer, Product


def sellable_products() -> QuerySet[Product]:
    """Products a partner can quote now: active, from an active supplier."""
    return Product.objects.filter(is_active=True, supplier__is_active=True).select_related("supplier")


def offer_of(*, partner_id: int, offer_id) -> Offer | None:
    return Offer.objects.filter(pk=offer_id, partner_id=partner_id).first()
