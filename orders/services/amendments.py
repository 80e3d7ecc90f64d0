"""Changing a confirmed order (seed 002): a draft version is opened, then reset or left to expire.

Opening a draft (``amendment_open``) adds lines (from offers, reserved in the background through
the same booking path as a new order's), marks issued lines to be removed or exchanged, writes
the corrected details of travellers as new traveller rows of the draft, and fixes the draft's
balance; nothing issued is touched. Confirming it moves money, so it lives in payments
(payments.services.amendment_confirmation). Resetting or expiring it (``amendment_reset``,
``amendments_expire_due``) gives back what it reserved and leaves the order as it was.

While a draft is open the order takes no other amendment (AMENDMENT_OPEN) and no refund
(payments refuses it with the same error).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from orders import events, queue
from orders.bookings import exchanges_at_supplier
from orders.errors import (
    AmendmentNotOpen,
    AmendmentOpen,
    CurrencyMismatch,
    InvalidTravellers,
    OrderNotAmendable,
)
from orders.events import apply_transition, batched
from orders.locks import lock_lines, lock_offers, lock_order
from orders.models import Order, OrderLine, OrderVersion, Traveller, in_version
from orders.services import expiry
from orders.services.cancellation import release_lines
from orders.services.creation import validate_travellers
from orders.services.inputs import TravellerInput
from orders.signals import amendment_discarded, amendment_opening
from orders.statuses import AmendmentStatus, LineStatus, OrderStatus
from orders.stock import stock_allocate
from suppliers.errors import OfferAlreadyUsed, OfferExpired, OfferNotFound
from suppliers.models import Offer
from tessera.actors import SYSTEM, Actor
from tessera.errors import InvalidInput
from tessera.money import ZERO, format_amount, quantize
from tessera.times import iso_utc

AMENDABLE = frozenset({OrderStatus.FULFILLED, OrderStatus.PARTIALLY_FULFILLED})
EXPIRY_BATCH = 500
# A traveller's details an amendment may correct: Traveller fields, the API's names.
TRAVELLER_DETAILS = {
    "given_name": "givenName",
    "family_name": "familyName",
    "born_on": "bornOn",
    "email": "email",
    "phone": "phone",
}


@dataclass(frozen=True, kw_only=True)
class LineToAdd:
    """An offer to add: its units go to ``traveller_ids`` (the order's), then to ``travellers`` (new)."""

    offer_id: UUID
    traveller_ids: Sequence[int] = ()
    travellers: Sequence[TravellerInput] = ()


@dataclass(frozen=True, kw_only=True)
class Exchange:
    """An issued line given up for a new offer, for the same traveller."""

    line_id: int
    offer_id: UUID


@dataclass(frozen=True, kw_only=True)
class TravellerChange:
    """New details for a traveller of the order: ``details`` maps TRAVELLER_DETAILS fields to their
    new values; a field not named keeps its value."""

    traveller_id: int
    details: Mapping[str, str | date | None]


@dataclass(kw_only=True)
class _Draft:
    order: Order
    number: int
    lines: list[OrderLine]
    now: object
    new_lines: list[OrderLine] = field(default_factory=list)
    removed: list[OrderLine] = field(default_factory=list)
    new_travellers: list[Traveller] = field(default_factory=list)
    # A changed traveller's new row, by the old row's id: the draft's new lines go to it.
    replacing: dict[int, Traveller] = field(default_factory=dict)
    traveller_fees: Decimal = ZERO

    def successor(self, traveller: Traveller | None) -> Traveller | None:
        """Who holds ``traveller``'s tickets once the draft is confirmed."""
        return None if traveller is None else self.replacing.get(traveller.pk, traveller)


def open_draft(order: Order) -> OrderVersion | None:
    return OrderVersion.objects.filter(order=order, status=AmendmentStatus.DRAFT).first()


def refuse_if_draft_open(order: Order) -> None:
    """Raise AMENDMENT_OPEN if a locked order has an open draft (refunds ask this too)."""
    draft = open_draft(order)
    if draft is not None:
        raise AmendmentOpen(
            f"Order {order.reference} has an open amendment (version {draft.number}).",
            version=draft.number,
            expires_at=iso_utc(draft.expires_at),
        )


def amendment_open(
    *,
    order_id,
    add: Sequence[LineToAdd] = (),
    remove: Sequence[int] = (),
    exchange: Sequence[Exchange] = (),
    travellers: Sequence[TravellerChange] = (),
    actor: Actor,
    partner_id: int | None = None,
    idempotency_key: str = "",
    expires_at: datetime | None = None,
) -> OrderVersion:
    """Open draft version N+1 of a FULFILLED or PARTIALLY_FULFILLED order, to be confirmed by
    ``expires_at`` (by default ``AMENDMENT_EXPIRY_MINUTES`` from now; never in the past, at most
    six months ahead, as an order's expiresAt).

    In one transaction on the locked order: new lines are created RESERVING (their reservation
    queued after commit, one booking per supplier), the lines to remove or exchange are marked
    with the draft's number, a changed traveller gets a new row of the draft (the old one stays
    current until confirmation), and the draft's balance is fixed: what the new lines cost minus
    what the removed ones did (the new total minus what was paid for the version it changes),
    plus the fees their products charge for the change.
    """
    _check_request(add=add, remove=remove, exchange=exchange, travellers=travellers)
    now = timezone.now()
    with transaction.atomic(), batched():
        order = lock_order(order_id, partner_id=partner_id)
        if order.status not in AMENDABLE:
            raise OrderNotAmendable(
                f"Order {order.reference} is {order.status}; only FULFILLED and PARTIALLY_FULFILLED "
                "orders can be amended.",
                status=order.status,
            )
        refuse_if_draft_open(order)
        if expires_at is not None:
            expiry.validate(expires_at, now)
        draft = _Draft(order=order, number=order.version + 1, lines=lock_lines(order), now=now)
        amendment_opening.send(sender=Order, order=order, lines=draft.lines, actor=actor)
        offer_ids = [item.offer_id for item in add] + [item.offer_id for item in exchange]
        _check_twice(remove=remove, exchange=exchange, offer_ids=offer_ids)
        offers = _offers(order, offer_ids, now)
        exchanged = {item.line_id for item in exchange}
        _mark_removed(draft, [*dict.fromkeys(remove), *exchanged], exchanged=exchanged)
        _change_travellers(draft, travellers)
        for item in exchange:
            old = next(line for line in draft.removed if line.pk == item.line_id)
            offer = offers[item.offer_id]
            if offer.quantity != 1:
                raise InvalidInput("An exchange takes an offer for one ticket.", offer=str(offer.pk))
            _new_lines(draft, offer, [draft.successor(old.traveller)], replaces=old)
        for item in add:
            _new_lines(draft, offers[item.offer_id], _travellers_for(draft, item, offers[item.offer_id]))
        draft.new_lines = OrderLine.objects.bulk_create(draft.new_lines)
        stock_allocate(lines=draft.new_lines, actor=actor, at=now)
        Offer.objects.filter(pk__in=list(offers)).update(used_at=now)
        added = sum((line.amount for line in draft.new_lines), ZERO)
        removed = sum((line.amount for line in draft.removed), ZERO)
        fees = quantize(
            sum((_fee(line, exchanged) for line in draft.removed), draft.traveller_fees), order.currency
        )
        version = OrderVersion.objects.create(
            order=order,
            number=draft.number,
            currency=order.currency,
            previous_total=order.total_amount,
            total_amount=quantize(order.total_amount + added - removed, order.currency),
            fee_amount=fees,
            balance=quantize(added - removed + fees, order.currency),
            expires_at=expires_at or now + settings.AMENDMENT_EXPIRY_DEFAULT,
            idempotency_key=idempotency_key,
        )
        events.amendment_opened(
            version,
            actor=actor,
            payload={
                "version": version.number,
                "added": [line.position for line in draft.new_lines],
                "removed": [line.position for line in draft.removed],
                "exchanged": {
                    str(line.replaces.position): line.position for line in draft.new_lines if line.replaces
                },
                "travellersChanged": {
                    str(new.replaces.position): new.position for new in draft.replacing.values()
                },
                "balance": format_amount(version.balance, version.currency),
                "fees": format_amount(version.fee_amount, version.currency),
                "currency": version.currency,
                "expiresAt": iso_utc(version.expires_at),
            },
        )
        order.save(update_fields=["updated_at"])  # partners syncing by updatedAt see the draft
        queue.reservation(line.pk for line in draft.new_lines)
    return version


def _check_request(*, add, remove, exchange, travellers) -> None:
    """What the body alone can refuse (400); a line, an offer or a traveller named twice is a
    conflict with itself (409), refused once the order is found."""
    if not (add or remove or exchange or travellers):
        raise InvalidInput("An amendment needs at least one of add, remove, exchange, travellers.")
    for item in add:
        validate_travellers(item.travellers)
    errors = {}
    for index, change in enumerate(travellers):
        if not change.details:
            errors[str(index)] = ["give at least one detail to change"]
        blank = [
            TRAVELLER_DETAILS[name]
            for name in ("given_name", "family_name")
            if name in change.details and not str(change.details[name] or "").strip()
        ]
        if blank:
            errors[str(index)] = [f"{name} may not be blank" for name in blank]
    if errors:
        raise InvalidTravellers("Some traveller changes are incomplete.", errors=errors)


def _check_twice(*, remove, exchange, offer_ids) -> None:
    line_ids = [*dict.fromkeys(remove), *(item.line_id for item in exchange)]
    twice = sorted({line_id for line_id in line_ids if line_ids.count(line_id) > 1})
    if twice:
        raise OrderNotAmendable(
            "A line can be removed or exchanged once.",
            lines={str(line_id): "removed or exchanged twice" for line_id in twice},
        )
    if len(set(offer_ids)) != len(offer_ids):
        raise OfferAlreadyUsed("The same offer is listed twice.")


def _offers(order: Order, offer_ids: list[UUID], now) -> dict[UUID, Offer]:
    if not offer_ids:
        return {}
    found = lock_offers(partner=order.partner, offer_ids=offer_ids)
    missing = [str(pk) for pk in offer_ids if pk not in found]
    if missing:
        raise OfferNotFound("Some offers do not exist.", offers=missing)
    for offer in found.values():
        if offer.used_at is not None:
            raise OfferAlreadyUsed("This offer has already been ordered.", offer=str(offer.pk))
        if offer.expires_at <= now:
            raise OfferExpired("This offer has expired.", offer=str(offer.pk))
        if not (offer.product.is_active and offer.product.supplier.is_active):
            raise OfferExpired("This product is no longer sold.", offer=str(offer.pk))
        if offer.currency != order.currency:
            raise CurrencyMismatch(
                f"The order is in {order.currency}; this offer is in {offer.currency}.",
                currencies=sorted({order.currency, offer.currency}),
            )
    return found


def _fee(line: OrderLine, exchanged: set[int]) -> Decimal:
    """What the line's product charges for giving it up: its change fee for an exchange, its
    cancellation fee (kept from the price) for a removal."""
    return line.product.change_fee if line.pk in exchanged else line.product.cancellation_fee


def _mark_removed(draft: _Draft, line_ids: list[int], *, exchanged: set[int]) -> None:
    """The lines to give up carry the draft's number: the current version keeps them until the
    draft is confirmed. Their products must allow the change (exchange or removal)."""
    by_id = {line.pk: line for line in draft.lines if in_version(line, draft.order.version)}
    refused = {}
    for line_id in line_ids:
        line = by_id.get(line_id)
        if line is None:
            refused[str(line_id)] = "not a line of the order's current version"
        elif line.status != LineStatus.ISSUED:
            refused[str(line_id)] = (
                f"the line is {line.status}; only ISSUED lines can be removed or exchanged"
            )
        elif line_id in exchanged and not line.product.allows_exchange:
            refused[str(line_id)] = "its product allows no exchange"
        elif line_id not in exchanged and not line.product.allows_removal:
            refused[str(line_id)] = "its product allows no removal"
        else:
            draft.removed.append(line)
    if refused:
        raise OrderNotAmendable("Some lines cannot be removed or exchanged.", lines=refused)
    for line in draft.removed:
        line.removed_in_version = draft.number
        line.save(update_fields=["removed_in_version", "updated_at"])


def _change_travellers(draft: _Draft, changes: Sequence[TravellerChange]) -> None:
    """Write each changed traveller's new row, added by the draft and replacing the old one, and
    add the fee: each ISSUED line of the traveller the draft keeps costs its product's traveller
    change fee, and every such product must allow the change. A traveller with no issued line
    (a ticket refunded, or none needing one) changes for free."""
    if not changes:
        return
    ids = [change.traveller_id for change in changes]
    twice = sorted({pk for pk in ids if ids.count(pk) > 1})
    if twice:
        raise OrderNotAmendable(
            "A traveller can be changed once.", travellers={str(pk): "changed twice" for pk in twice}
        )
    version = draft.order.version
    current = {t.pk: t for t in draft.order.travellers.all() if in_version(t, version)}
    given_up = {line.pk for line in draft.removed}
    issued = [
        line
        for line in draft.lines
        if in_version(line, version) and line.status == LineStatus.ISSUED and line.pk not in given_up
    ]
    refused = {}
    replacements = []
    for change in changes:
        old = current.get(change.traveller_id)
        if old is None:
            refused[str(change.traveller_id)] = "not a traveller of the order's current version"
            continue
        theirs = [line for line in issued if line.traveller_id == old.pk]
        forbidding = [line.position for line in theirs if not line.product.allows_traveller_change]
        new = _replacement(draft, old, change.details)
        if forbidding:
            refused[str(old.pk)] = (
                f"the product of line(s) {', '.join(map(str, forbidding))} allows no traveller change"
            )
        elif not changed_details(old, new):
            refused[str(old.pk)] = "the details given are the traveller's already"
        else:
            draft.traveller_fees += sum((line.product.traveller_change_fee for line in theirs), ZERO)
            replacements.append(new)
    if refused:
        raise OrderNotAmendable("Some travellers cannot be changed.", travellers=refused)
    last = Traveller.objects.filter(order=draft.order).aggregate(last=Max("position"))["last"] or 0
    for n, new in enumerate(replacements, start=1):
        new.position = last + n
    created = Traveller.objects.bulk_create(replacements)
    draft.new_travellers.extend(created)
    draft.replacing = {new.replaces_id: new for new in created}


def _replacement(draft: _Draft, old: Traveller, details: Mapping) -> Traveller:
    """``old`` with ``details`` over its own, as an unsaved row of the draft."""
    values = {name: getattr(old, name) for name in TRAVELLER_DETAILS}
    for name, value in details.items():
        values[name] = value.strip() if isinstance(value, str) else value
    return Traveller(
        order=draft.order,
        external_id=old.external_id,
        added_in_version=draft.number,
        replaces=old,
        **values,
    )


def changed_details(old: Traveller, new: Traveller) -> list[str]:
    """The API names of the details ``new`` changes in ``old``."""
    return [api for name, api in TRAVELLER_DETAILS.items() if getattr(old, name) != getattr(new, name)]


def _travellers_for(draft: _Draft, item: LineToAdd, offer: Offer) -> list[Traveller | None]:
    current = {t.pk: t for t in draft.order.travellers.all() if in_version(t, draft.order.version)}
    unknown = [pk for pk in item.traveller_ids if pk not in current]
    if unknown:
        raise InvalidTravellers("Some travellers are not the order's.", travellers=unknown)
    people = [draft.successor(current[pk]) for pk in item.traveller_ids]
    people += _create_travellers(draft, item.travellers)
    if offer.product.requires_traveller and len(people) < offer.quantity:
        raise InvalidTravellers(
            f"These tickets need {offer.quantity} traveller(s); {len(people)} given.",
            needed=offer.quantity,
            given=len(people),
        )
    return people


def _create_travellers(draft: _Draft, travellers: Sequence[TravellerInput]) -> list[Traveller]:
    if not travellers:
        return []
    last = Traveller.objects.filter(order=draft.order).aggregate(last=Max("position"))["last"] or 0
    last += len(draft.new_travellers)
    created = Traveller.objects.bulk_create(
        [
            Traveller(
                order=draft.order,
                position=last + n,
                given_name=t.given_name.strip(),
                family_name=t.family_name.strip(),
                born_on=t.born_on,
                email=t.email,
                phone=t.phone,
                external_id=t.external_id,
                added_in_version=draft.number,
            )
            for n, t in enumerate(travellers, start=1)
        ]
    )
    draft.new_travellers.extend(created)
    return created


def _new_lines(
    draft: _Draft, offer: Offer, people: list[Traveller | None], *, replaces: OrderLine | None = None
) -> None:
    product = offer.product
    last = max((line.position for line in [*draft.lines, *draft.new_lines]), default=0)
    for unit in range(offer.quantity):
        traveller = people[unit] if product.requires_traveller and unit < len(people) else None
        draft.new_lines.append(
            OrderLine(
                order=draft.order,
                position=last + unit + 1,
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
                waiting_since=draft.now,
                added_in_version=draft.number,
                replaces=replaces,
                supplier_exchange=replaces is not None and exchanges_at_supplier(replaces, product),
            )
        )


# --- fail: a draft's line its supplier could not confirm leaves the draft -----------------------

FAILABLE = frozenset({LineStatus.RESERVING, LineStatus.RESERVED, LineStatus.UNKNOWN, LineStatus.FAILED})


def amendment_fail_lines(
    *, order_id, number: int, line_ids: Sequence[int], actor: Actor, partner_id: int | None = None
) -> OrderVersion:
    """Take lines the draft added out of it (seed 002's ``fail``): a line still held at its
    supplier is released, an exchanged-away line is kept again, and the balance and total
    follow. Nothing was taken for a draft's line before confirmation, so nothing is credited.
    A change keeps the draft open at least ``AMENDMENT_EXPIRY_MINUTES`` from now; it never
    shortens an expiry the partner set."""
    line_ids = list(dict.fromkeys(line_ids))  # a line named twice is failed once
    if not line_ids:
        raise InvalidInput("Name at least one line to fail.")
    now = timezone.now()
    with transaction.atomic(), batched():
        order = lock_order(order_id, partner_id=partner_id)
        version = draft_of(order, number)
        lines = lock_lines(order)
        new, _removed = draft_lines(lines, number)
        by_id = {line.pk: line for line in new}
        refused = {
            str(line_id): "not a line this draft adds, or already issued"
            for line_id in line_ids
            if line_id not in by_id or by_id[line_id].status not in FAILABLE
        }
        if refused:
            raise OrderNotAmendable("Some lines cannot be failed out of the draft.", lines=refused)
        failing = [by_id[line_id] for line_id in line_ids]
        release_lines(failing, actor=actor)
        kept_again = [line for line in lines if line.pk in {f.replaces_id for f in failing}]
        for line in failing:
            line.removed_in_version = number
        for line in kept_again:
            line.removed_in_version = None
        OrderLine.objects.bulk_update([*failing, *kept_again], ["removed_in_version"])
        change = sum((line.amount for line in failing), ZERO) - sum(
            (line.amount for line in kept_again), ZERO
        )
        # No exchange, no change fee; but a kept line of a traveller the draft changes now costs
        # its traveller change fee, like the traveller's other tickets (_change_travellers).
        renamed = set(_replacing(order, number).values_list("replaces_id", flat=True))
        fees = sum(
            (
                line.product.change_fee
                - (line.product.traveller_change_fee if line.traveller_id in renamed else ZERO)
                for line in kept_again
            ),
            ZERO,
        )
        version.balance = quantize(version.balance - change - fees, version.currency)
        version.total_amount = quantize(version.total_amount - change, version.currency)
        version.fee_amount = quantize(version.fee_amount - fees, version.currency)
        version.expires_at = max(version.expires_at, now + settings.AMENDMENT_EXPIRY_DEFAULT)
        version.save(update_fields=["balance", "total_amount", "fee_amount", "expires_at", "updated_at"])
        order.save(update_fields=["updated_at"])
        for line in failing:
            events.amendment_line_failed(
                version,
                line,
                actor=actor,
                payload={
                    "version": number,
                    "status": line.status,
                    "balance": format_amount(version.balance, version.currency),
                },
            )
    return version


def amendment_set_expiry(
    *, order_id, number: int, expires_at: datetime, actor: Actor, partner_id: int | None = None
) -> OrderVersion:
    """Move the open draft's ``expires_at`` (seed 002's expireAt): later to keep it, or sooner;
    never into the past, at most six months ahead."""
    now = timezone.now()
    with transaction.atomic():
        order = lock_order(order_id, partner_id=partner_id)
        version = draft_of(order, number)
        expiry.validate(expires_at, now)
        amendment_expiry_move(version, expires_at, actor=actor)
        order.save(update_fields=["updated_at"])
    return version


def amendment_expiry_move(version: OrderVersion, expires_at: datetime, *, actor: Actor) -> None:
    """Give a draft of a locked order its new ``expires_at``, audited with the old one."""
    previous = version.expires_at
    version.expires_at = expires_at
    version.save(update_fields=["expires_at", "updated_at"])
    events.amendment_expiry_changed(version, actor=actor, previous=previous)


# --- reset and expiry -------------------------------------------------------------------------


def amendment_reset(
    *, order_id, number: int, actor: Actor, partner_id: int | None = None, reason: str = ""
) -> OrderVersion:
    """Discard the open draft ``number`` at once: what it reserved is released, the order is as before."""
    with transaction.atomic(), batched():
        order = lock_order(order_id, partner_id=partner_id)
        version = draft_of(order, number)
        discard(order, version, lock_lines(order), transition="reset", actor=actor, reason=reason)
    return version


def order_unlock(
    *, order_id, actor: Actor, partner_id: int | None = None, reason: str = ""
) -> OrderVersion | None:
    """Seed 002's unlock: release an order an unfinished change holds. In Tessera only an open
    draft holds an order, so this resets it, whatever its number; the draft reset, or None if
    nothing held the order (unlocking an unlocked order changes nothing)."""
    with transaction.atomic(), batched():
        order = lock_order(order_id, partner_id=partner_id)
        version = open_draft(order)
        if version is not None:
            why = reason or "unlocked"
            discard(order, version, lock_lines(order), transition="reset", actor=actor, reason=why)
    return version


def amendment_expire(*, version_id, actor: Actor = SYSTEM) -> bool:
    """Discard one draft if it is still open and past its ``expires_at``; True if it did."""
    order_id = OrderVersion.objects.filter(pk=version_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return False
    with transaction.atomic(), batched():
        order = lock_order(order_id)
        version = OrderVersion.objects.get(pk=version_id)
        if version.status != AmendmentStatus.DRAFT or version.expires_at > timezone.now():
            return False
        discard(order, version, lock_lines(order), transition="expire", actor=actor)
        return True


def amendments_expire_due(*, limit: int = EXPIRY_BATCH) -> int:
    """Discard drafts whose time has passed (the periodic sweep). Returns how many."""
    due = list(
        OrderVersion.objects.filter(status=AmendmentStatus.DRAFT, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(amendment_expire(version_id=version_id) for version_id in due)


def discard(
    order: Order,
    version: OrderVersion,
    lines: list[OrderLine],
    *,
    transition: str,
    actor: Actor,
    reason: str = "",
) -> None:
    """Scrap a locked order's draft: its lines are released and belong to no version, the lines it
    meant to remove are kept, and its number is free again. Payments ends a payment of the draft's
    balance that is still open (amendment_discarded)."""
    number = version.number
    added, kept = draft_lines(lines, number)
    release_lines(added, actor=actor)
    for line in added:
        line.removed_in_version = number
    for line in kept:
        line.removed_in_version = None
    OrderLine.objects.bulk_update([*added, *kept], ["removed_in_version"])
    Traveller.objects.filter(order=order, added_in_version=number, removed_in_version=None).update(
        removed_in_version=number
    )
    apply_transition(
        version,
        transition,
        actor=actor,
        at=timezone.now(),
        payload={
            "version": number,
            "released": [line.position for line in added if line.status == LineStatus.RELEASED],
            "expiresAt": iso_utc(version.expires_at),
            **({"reason": reason[:255]} if reason else {}),
        },
    )
    amendment_discarded.send(sender=Order, order=order, version=version, actor=actor)


def travellers_change_confirm(*, order: Order, lines: list[OrderLine], number: int, actor: Actor) -> None:
    """Confirming draft ``number`` of a locked order with its locked ``lines``: each traveller it
    changes leaves the order in that version, and the traveller's lines of that version (its
    issued tickets, and any the draft adds for it) now hold the new row, so the tickets, the
    customer's pages and the door's check read the new details; the version before still reads
    the old row (orders.selectors.order_as_of). The event names the fields changed, never their
    values (no personal data in the audit trail partners receive)."""
    replacing = list(_replacing(order, number).select_related("replaces"))
    for new in replacing:
        old = new.replaces
        old.removed_in_version = number
        moved = [line for line in lines if line.traveller_id == old.pk and in_version(line, number)]
        for line in moved:
            line.traveller = new
        OrderLine.objects.bulk_update(moved, ["traveller"])
        events.traveller_changed(
            new,
            actor=actor,
            payload={
                "version": number,
                "traveller": new.position,
                "replaces": old.position,
                "fields": changed_details(old, new),
                "lines": [line.position for line in moved],
            },
        )
    Traveller.objects.bulk_update([new.replaces for new in replacing], ["removed_in_version"])


def travellers_leaving_confirm(*, order: Order, lines: list[OrderLine], number: int) -> list[Traveller]:
    """Confirming draft ``number`` of a locked order: a traveller who held tickets in the version
    it replaces and holds none in it leaves the order in it (a removed traveller, seed 002's
    passenger who no longer goes); the version before still lists them. The travellers who left."""
    before = number - 1
    held = {line.traveller_id for line in lines if in_version(line, before)}
    keep = {line.traveller_id for line in lines if in_version(line, number)}
    leaving = [
        traveller
        for traveller in Traveller.objects.filter(order=order, removed_in_version=None)
        if in_version(traveller, before) and traveller.pk in held and traveller.pk not in keep
    ]
    for traveller in leaving:
        traveller.removed_in_version = number
    Traveller.objects.bulk_update(leaving, ["removed_in_version"])
    return leaving


def _replacing(order: Order, number: int):
    """The travellers draft ``number`` writes to replace others (not those a discard left)."""
    return Traveller.objects.filter(
        order=order, added_in_version=number, removed_in_version=None, replaces__isnull=False
    )


def draft_of(order: Order, number: int) -> OrderVersion:
    """The locked order's open draft ``number`` (AMENDMENT_NOT_OPEN otherwise)."""
    version = OrderVersion.objects.filter(order=order, number=number, status=AmendmentStatus.DRAFT).first()
    if version is None:
        raise AmendmentNotOpen(f"Order {order.reference} has no open amendment {number}.", version=number)
    return version


def draft_lines(lines: list[OrderLine], number: int) -> tuple[list[OrderLine], list[OrderLine]]:
    """A draft's new lines and the lines it removes, among an order's lines."""
    new = [line for line in lines if line.added_in_version == number and line.removed_in_version is None]
    removed = [line for line in lines if line.removed_in_version == number and line.added_in_version < number]
    return new, removed
