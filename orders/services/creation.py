"""Creating an order from offers, or straight from products: lines start RESERVING and their
reservation is queued.

An instant order names its payment method with it (``PaymentInput``): the order keeps the method
from the start, ``instant_order_created`` lets payments hold its total on the wallet in this
transaction (so a 402 creates nothing), and the worker finalizes it once every line is RESERVED
(``orders.signals.order_reserved``).
"""

from collections.abc import Sequence
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders import events, queue, selectors
from orders.errors import BillingModeNotAllowed, CurrencyMismatch, InvalidTravellers, PriceChanged
from orders.events import batched
from orders.locks import lock_offers
from orders.models import Order, OrderLine, Partner, Traveller
from orders.services import expiry
from orders.services.inputs import ContactInput, LineInput, PaymentInput, TravellerInput
from orders.signals import instant_order_created
from orders.statuses import BillingMode
from orders.stock import stock_allocate
from suppliers.errors import OfferAlreadyUsed, OfferExpired, OfferNotFound
from suppliers.models import Offer
from suppliers.services import offer_price
from tessera.actors import Actor
from tessera.errors import InvalidInput
from tessera.money import ZERO, format_amount, parse_exact, quantize

MAX_OFFERS = 20
MAX_TRAVELLERS = 20
NO_CONTACT = ContactInput()
INSTANT_METHODS = (BillingMode.WALLET, BillingMode.INVOICE)


def order_create(
    *,
    partner: Partner,
    offer_ids: Sequence[UUID] = (),
    lines: Sequence[LineInput] = (),
    payment: PaymentInput | None = None,
    travellers: Sequence[TravellerInput] = (),
    contact: ContactInput = NO_CONTACT,
    external_reference: str = "",
    metadata: dict | None = None,
    client_name: str = "",
    idempotency_key: str = "",
    actor: Actor,
) -> Order:
    """Create a PENDING order from ``offer_ids`` or from products (``lines``, quoted now); with
    ``idempotency_key``, a repeat returns the order made first. With ``payment`` it is an instant
    order (see the module's docstring).

    The new order comes back holding its lines and travellers (orders.selectors.order_details),
    as a fresh read with prefetches would; read it again to see later changes.
    """
    if idempotency_key:
        # The exclude() restates the unique index's condition as a constant, so that a prepared
        # statement's generic plan still finds the index (it cannot prove "$2 <> ''" itself).
        existing = (
            Order.objects.filter(partner=partner, idempotency_key=idempotency_key)
            .exclude(idempotency_key="")
            .first()
        )
        if existing is not None:
            return existing
    _check_sources(offer_ids, lines)
    if payment is not None:
        _check_method(partner, payment.method)
    validate_travellers(travellers)
    now = timezone.now()
    quoted = _quote(partner, lines, now)
    with transaction.atomic(), batched():
        if quoted:
            offers = Offer.objects.bulk_create(quoted)
        else:
            offers = _lock_offers(partner, offer_ids)
            _check_offers(offers, now)
        _check_one_currency(offers)
        _check_traveller_count(offers, travellers)
        currency = offers[0].currency
        total = quantize(sum((offer.total_amount for offer in offers), ZERO), currency)
        if payment is not None:
            _check_expected_total(payment, total, currency)
        order = Order.objects.create(
            partner=partner,
            currency=currency,
            total_amount=total,
            contact_name=contact.name,
            contact_email=contact.email.strip().lower(),
            contact_phone=contact.phone,
            language=contact.language or settings.LANGUAGE_CODE,
            external_reference=external_reference,
            metadata=metadata or {},
            client_name=client_name,
            idempotency_key=idempotency_key,
            payment_method=payment.method if payment is not None else "",
            expires_at=expiry.default_expiry(now),
        )
        people = create_travellers(order, travellers)
        order_lines = _create_lines(order, offers, people)
        # Codes from Tessera's own stock are claimed now, so running out is an error of this
        # request (OUT_OF_STOCK, nothing created) rather than a line failing in the background.
        stock_allocate(lines=order_lines, actor=actor, at=now)
        if not quoted:
            Offer.objects.filter(pk__in=[offer.pk for offer in offers]).update(used_at=now)
        payload = {
            "lines": len(order_lines),
            "travellers": len(people),
            "totalAmount": format_amount(total, currency),
            "currency": currency,
            "offers": [str(offer.pk) for offer in offers],
        }
        if payment is not None:
            payload["paymentMethod"] = payment.method
        events.order_created(order, actor=actor, payload=payload)
        if payment is not None:
            instant_order_created.send(sender=Order, order=order, actor=actor)
        queue.reservation(line.pk for line in order_lines)
    selectors.hold_new_order_details(order, lines=order_lines, travellers=people)
    return order


def validate_travellers(travellers: Sequence[TravellerInput]) -> None:
    if len(travellers) > MAX_TRAVELLERS:
        raise InvalidTravellers(f"An order takes at most {MAX_TRAVELLERS} travellers.")
    errors = {}
    for index, traveller in enumerate(travellers):
        missing = [name for name in ("given_name", "family_name") if not getattr(traveller, name).strip()]
        if missing:
            errors[str(index)] = [f"{name} is required" for name in missing]
    if errors:
        raise InvalidTravellers("Some travellers are incomplete.", errors=errors)


def _check_sources(offer_ids: Sequence[UUID], lines: Sequence[LineInput]) -> None:
    if bool(offer_ids) == bool(lines):
        raise InvalidInput("Give either offers (ids of quoted offers) or lines (products), not both.")
    count = len(offer_ids) or len(lines)
    if count > MAX_OFFERS:
        raise InvalidInput(f"An order takes at most {MAX_OFFERS} offers or lines.")
    if len(set(offer_ids)) != len(offer_ids):
        raise InvalidInput("The same offer is listed twice.")


def _check_method(partner: Partner, method: str) -> None:
    if method not in INSTANT_METHODS:
        raise InvalidInput(f"Unknown payment method {method!r}.", allowed=list(INSTANT_METHODS))
    if method not in partner.billing_modes:
        raise BillingModeNotAllowed(
            f"Billing mode {method!r} is not enabled for this partner.", allowed=partner.billing_modes
        )


def _quote(partner: Partner, lines: Sequence[LineInput], now) -> list[Offer]:
    """Price each line as POST /offers would; the offers are written, used, with the order."""
    offers = [
        offer_price(
            partner=partner,
            product_id=line.product_id,
            quantity=line.quantity,
            denomination=line.denomination,
        )
        for line in lines
    ]
    for offer in offers:
        offer.used_at = now
    return offers


def _check_expected_total(payment: PaymentInput, total, currency: str) -> None:
    try:
        expected = parse_exact(payment.expected_amount, payment.expected_currency)
    except ValueError as exc:
        raise InvalidInput(f"expectedTotal is not an amount in {payment.expected_currency}: {exc}") from exc
    if payment.expected_currency != currency or expected != total:
        raise PriceChanged(
            f"The order's total is {format_amount(total, currency)} {currency}, not "
            f"{format_amount(expected, payment.expected_currency)} {payment.expected_currency}.",
            total=format_amount(total, currency),
            currency=currency,
        )


def _lock_offers(partner: Partner, offer_ids: Sequence[UUID]) -> list[Offer]:
    found = lock_offers(partner=partner, offer_ids=offer_ids)
    missing = [str(pk) for pk in offer_ids if pk not in found]
    if missing:
        raise OfferNotFound("Some offers do not exist.", offers=missing)
    return [found[pk] for pk in offer_ids]


def _check_offers(offers: list[Offer], now) -> None:
    for offer in offers:
        if offer.used_at is not None:
            raise OfferAlreadyUsed("This offer has already been ordered.", offer=str(offer.pk))
        if offer.expires_at <= now:
            raise OfferExpired("This offer has expired.", offer=str(offer.pk))
        if not (offer.product.is_active and offer.product.supplier.is_active):
            raise OfferExpired("This product is no longer sold.", offer=str(offer.pk))


def _check_one_currency(offers: list[Offer]) -> None:
    currencies = {offer.currency for offer in offers}
    if len(currencies) > 1:
        raise CurrencyMismatch(
            "All offers of an order must be in one currency.", currencies=sorted(currencies)
        )


def _check_traveller_count(offers: list[Offer], travellers: Sequence[TravellerInput]) -> None:
    needed = max((offer.quantity for offer in offers if offer.product.requires_traveller), default=0)
    if len(travellers) < needed:
        raise InvalidTravellers(
            f"These tickets need {needed} traveller(s); {len(travellers)} given.",
            needed=needed,
            given=len(travellers),
        )


def create_travellers(order: Order, travellers: Sequence[TravellerInput]) -> list[Traveller]:
    return Traveller.objects.bulk_create(
        [
            Traveller(
                order=order,
                position=position,
                given_name=t.given_name.strip(),
                family_name=t.family_name.strip(),
                born_on=t.born_on,
                email=t.email,
                phone=t.phone,
                external_id=t.external_id,
            )
            for position, t in enumerate(travellers, start=1)
        ]
    )


def _create_lines(order: Order, offers: list[Offer], people: list[Traveller]) -> list[OrderLine]:
    lines = []
    now = timezone.now()
    for offer in offers:
        product = offer.product
        for unit in range(offer.quantity):
            traveller = people[unit] if product.requires_traveller and unit < len(people) else None
            lines.append(
                OrderLine(
                    order=order,
                    position=len(lines) + 1,
                    offer=offer,
                    product=product,
                    supplier=product.supplier,
                    traveller=traveller,
                    description=product.name,
                    amount=offer.unit_price,
                    currency=offer.currency,
                    tax_rate=product.tax_rate,
                    denomination=offer.denomination,
                    starts_at=product.starts_at,
                    from_place=product.from_place,
                    to_place=product.to_place,
                    waiting_since=now,
                )
            )
    return OrderLine.objects.bulk_create(lines)
