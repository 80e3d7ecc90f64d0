"""Use cases of the supply side: quoting offers."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from suppliers.errors import InvalidDenomination, InvalidQuantity, ProductNotFound
from suppliers.models import Offer, Product
from suppliers.selectors import sellable_products
from tessera.money import format_amount, parse_exact, quantize
from tessera.times import iso_utc, iso_utc_or_none

MAX_QUANTITY = 20


def change_rules(product: Product) -> dict:
    """Which changes a product's issued tickets allow by amendment, and at what fee each."""

    def rule(allowed: bool, fee) -> dict:
        return {
            "allowed": allowed,
            "fee": {"amount": format_amount(fee, product.currency), "currency": product.currency},
        }

    return {
        "exchange": rule(product.allows_exchange, product.change_fee),
        "removal": rule(product.allows_removal, product.cancellation_fee),
        "travellerChange": rule(product.allows_traveller_change, product.traveller_change_fee),
    }


def offer_quote(
    *, partner, product_id: int, quantity: int = 1, denomination: Decimal | str | None = None
) -> Offer:
    """A priced offer for ``partner`` that holds for OFFER_VALIDITY."""
    offer = offer_price(partner=partner, product_id=product_id, quantity=quantity, denomination=denomination)
    with transaction.atomic():
        offer.save(force_insert=True)
    return offer


def offer_price(
    *, partner, product_id: int, quantity: int = 1, denomination: Decimal | str | None = None
) -> Offer:
    """The offer ``offer_quote`` would make, not written: an order made straight from products
    (orders.services.creation) writes its snapshots with its other rows."""
    product = sellable_products().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound("No such product.", product_id=product_id)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(f"Quantity must be between 1 and {MAX_QUANTITY}.", quantity=quantity)
    unit_price, face_value = _unit_price(product, denomination)
    now = timezone.now()
    snapshot = {
        "product": {
            "id": product.pk,
            "name": product.name,
            "kind": product.kind,
            "supplier": product.supplier.name,
            "supplierReference": product.supplier_reference,
            "delivery": product.delivery,
        },
        "itinerary": {
            "from": product.from_place,
            "to": product.to_place,
            "startsAt": iso_utc_or_none(product.starts_at),
        },
        "quantity": quantity,
        "unitPrice": format_amount(unit_price, product.currency),
        "denomination": format_amount(face_value, product.currency) if face_value is not None else None,
        "totalAmount": format_amount(unit_price * quantity, product.currency),
        "currency": product.currency,
        "changes": change_rules(product),
        "quotedAt": iso_utc(now),
    }
    return Offer(
        partner=partner,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        total_amount=quantize(unit_price * quantity, product.currency),
        currency=product.currency,
        denomination=face_value,
        snapshot=snapshot,
        expires_at=now + settings.OFFER_VALIDITY,
    )


def _unit_price(product: Product, denomination) -> tuple[Decimal, Decimal | None]:
    if product.denominations:
        if denomination is None:
            raise InvalidDenomination("This voucher needs a denomination.", choices=product.denominations)
        try:
            value = parse_exact(denomination, product.currency)
        except ValueError as exc:
            raise InvalidDenomination(str(exc)) from exc
        allowed = {quantize(d, product.currency) for d in product.denominations}
        if value not in allowed:
            raise InvalidDenomination(
                f"{value} is not a denomination of this product.", choices=product.denominations
            )
        return value, value
    if denomination is not None:
        raise InvalidDenomination("This product has no denominations.")
    return quantize(product.price, product.currency), None
