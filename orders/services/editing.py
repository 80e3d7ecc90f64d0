"""Changing a PENDING order: travellers, contact, external reference, metadata, expiry.

From PROCESSING on an order is immutable; these refuse with OrderNotEditable and change nothing.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders import events
from orders.errors import InvalidTravellers, OrderNotEditable
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine, Traveller
from orders.services import expiry
from orders.services.creation import create_travellers, validate_travellers
from orders.services.inputs import ContactInput, TravellerInput
from orders.statuses import OrderStatus
from tessera.actors import Actor
from tessera.errors import InvalidInput

_UNSET = object()


def _lock_editable(order_id, partner_id: int | None) -> Order:
    order = lock_order(order_id, partner_id=partner_id)
    if order.status != OrderStatus.PENDING:
        raise OrderNotEditable(
            f"Order {order.reference} is {order.status}; only PENDING orders can be changed.",
            status=order.status,
        )
    return order


def _changed(order: Order, now: datetime) -> None:
    """A PENDING order is seed 002's first DRAFT: a change keeps it alive but is no new version
    (``version`` counts confirmed versions; only a confirmed amendment adds one)."""
    expiry.touch(order, now)
    order.save()


def order_update_details(
    *,
    order_id,
    actor: Actor,
    partner_id: int | None = None,
    contact: ContactInput | None = None,
    external_reference: str | object = _UNSET,
    metadata: dict | object = _UNSET,
) -> Order:
    with transaction.atomic():
        order = _lock_editable(order_id, partner_id)
        changed = []
        if contact is not None:
            order.contact_name = contact.name
            order.contact_email = contact.email.strip().lower()
            order.contact_phone = contact.phone
            order.language = contact.language or order.language
            changed.append("contact")
        if external_reference is not _UNSET:
            order.external_reference = external_reference
            changed.append("externalReference")
        if metadata is not _UNSET:
            if not isinstance(metadata, dict):
                raise InvalidInput("metadata must be an object.")
            order.metadata = metadata
            changed.append("metadata")
        if not changed:
            return order
        _changed(order, timezone.now())
        events.order_details_updated(order, actor=actor, fields=changed)
        return order


def order_replace_travellers(
    *, order_id, travellers: Sequence[TravellerInput], actor: Actor, partner_id: int | None = None
) -> Order:
    validate_travellers(travellers)
    with transaction.atomic():
        order = _lock_editable(order_id, partner_id)
        lines = lock_lines(order)
        needed = _travellers_needed(lines)
        if len(travellers) < needed:
            raise InvalidTravellers(
                f"These tickets need {needed} traveller(s); {len(travellers)} given.",
                needed=needed,
                given=len(travellers),
            )
        OrderLine.objects.filter(order=order).update(traveller=None)
        Traveller.objects.filter(order=order).delete()
        people = create_travellers(order, travellers)
        _assign(lines, people)
        _changed(order, timezone.now())
        events.order_travellers_replaced(order, actor=actor, travellers=len(people))
        return order


def order_set_expiry(*, order_id, expires_at: datetime, actor: Actor, partner_id: int | None = None) -> Order:
    now = timezone.now()
    expiry.validate(expires_at, now)
    with transaction.atomic():
        order = _lock_editable(order_id, partner_id)
        previous = order.expires_at
        order.expires_at = expires_at
        order.save()
        events.order_expiry_changed(order, actor=actor, previous=previous)
        return order


def _travellers_needed(lines: list[OrderLine]) -> int:
    per_offer: dict[int, int] = {}
    for line in lines:
        if line.product.requires_traveller:
            per_offer[line.offer_id] = per_offer.get(line.offer_id, 0) + 1
    return max(per_offer.values(), default=0)


def _assign(lines: list[OrderLine], people: list[Traveller]) -> None:
    unit_of_offer: dict[int, int] = {}
    changed = []
    for line in lines:
        if not line.product.requires_traveller:
            continue
        unit = unit_of_offer.get(line.offer_id, 0)
        unit_of_offer[line.offer_id] = unit + 1
        if unit < len(people):
            line.traveller = people[unit]
            changed.append(line)
    OrderLine.objects.bulk_update(changed, ["traveller"])


def order_language_record(*, order: Order, language: str, actor: Actor) -> bool:
    """Make ``language`` (the one the customer reads the checkout in) the order's, so its
    e-mails follow. Any status: a customer may switch after paying. Callers pass the order
    they already read, so a page whose language is already the order's writes nothing; the
    partner's ``version`` stays, since the partner changed nothing. True when it changed."""
    if language == order.language or language not in dict(settings.LANGUAGES):
        return False
    with transaction.atomic():
        locked = lock_order(order.pk)
        if locked.language == language:
            return False
        locked.language = language
        locked.save(update_fields=["language", "updated_at"])
        events.order_details_updated(locked, actor=actor, fields=["contact.language"])
    order.language = language
    return True
