"""Reads of orders, always scoped to one partner and prefetched for constant query counts."""

import copy
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderEvent, OrderLine, OrderVersion, Traveller, Voucher, in_version
from orders.statuses import AmendmentStatus
from tessera.prefetched import hold_prefetched


def orders_of(partner_id: int) -> QuerySet[Order]:
    return Order.objects.filter(partner_id=partner_id)


DETAILS = ("lines", "travellers", "payments", "refunds", "versions")


def hold_new_order_details(order: Order, *, lines: list[OrderLine], travellers: list[Traveller]) -> None:
    """Keep the rows of an order just created on it, as ``with_details`` would have read them, so
    that its API answer needs no query: its lines (each holding its product, supplier and offer;
    no voucher yet) and travellers; no payments, refunds or checkout yet (partner_api.selectors
    reads the details of an order that holds none)."""
    for line in lines:
        OrderLine.voucher.related.set_cached_value(line, None)
    for name, rows in zip(DETAILS, (lines, travellers, [], [], []), strict=True):
        hold_prefetched(order, name, rows)
    Order.checkout.related.set_cached_value(order, None)


def live_versions() -> QuerySet[OrderVersion]:
    """An order's versions a partner reads: confirmed ones and the open draft, by number."""
    return OrderVersion.objects.exclude(status=AmendmentStatus.DISCARDED).order_by("number")


def open_draft_of(order: Order) -> OrderVersion | None:
    """The order's open draft, from its (prefetched) versions."""
    return next((v for v in order.versions.all() if v.status == AmendmentStatus.DRAFT), None)


def travellers_corrected_by(version: OrderVersion) -> list[Traveller]:
    """The travellers whose details ``version`` corrects (new rows, each with the one it
    ``replaces``), by position: a discarded draft's own rows are those it left behind."""
    corrected = Traveller.objects.filter(order_id=version.order_id, added_in_version=version.number)
    corrected = corrected.filter(replaces__isnull=False).select_related("replaces").order_by("position")
    if version.status == AmendmentStatus.DISCARDED:
        return list(corrected.filter(removed_in_version=version.number))
    return list(corrected.exclude(removed_in_version=version.number))


def open_drafts_of_orders(orders) -> list[OrderVersion]:
    """The open drafts of ``orders``, with their order, by order reference (the back office's
    bulk confirm and reset)."""
    return list(
        OrderVersion.objects.filter(order__in=orders, status=AmendmentStatus.DRAFT)
        .select_related("order")
        .order_by("order__reference")
    )


def order_as_of(order: Order, number: int) -> Order | None:
    """The order as confirmed version ``number`` left it, from an order read with its details;
    None if it has no such confirmed version.

    Version ``number`` ended when version ``number + 1`` was confirmed. The copy holds what the
    order held then: that version's lines and travellers, its total, the payments and refunds made
    by then, and every line, voucher, payment and refund in the status it had then (read from the
    audit trail, which records each status change), each line with the traveller it had then (a
    later version may have changed it: Traveller.replaces). The copy is for reading only and
    refuses to be saved.
    """
    if not 1 <= number <= order.version:
        return None
    if number == order.version:
        return order
    later = next(
        (v for v in order.versions.all() if v.number == number + 1 and v.status == AmendmentStatus.CONFIRMED),
        None,
    )
    if later is None:
        return None
    ended = later.confirmed_at
    statuses = _statuses_at(order, ended)
    then = _read_only(copy.copy(order))
    then.version = number
    then.total_amount = later.previous_total
    then._prefetched_objects_cache = {}  # the copy's rows are its own, not the order's
    travellers = {traveller.pk: traveller for traveller in order.travellers.all()}
    lines = [
        _line_then(line, statuses, ended, _traveller_then(line, travellers, number))
        for line in order.lines.all()
    ]
    for name, rows in (
        ("lines", lines),
        ("travellers", list(order.travellers.all())),
        ("payments", [_then(p, "payment", statuses) for p in order.payments.all() if p.created_at < ended]),
        ("refunds", [_then(r, "refund", statuses) for r in order.refunds.all() if r.created_at < ended]),
        ("versions", list(order.versions.all())),
    ):
        hold_prefetched(then, name, rows)
    return then


def _statuses_at(order: Order, moment: datetime) -> dict[tuple[str, str], str]:
    """The status each row of the order had at ``moment``, by (subject type, id): what its last
    change before then reached or, for a row that changed only afterwards, what it left."""
    statuses: dict[tuple[str, str], str] = {}
    changes = (
        OrderEvent.objects.filter(order=order)
        .exclude(to_status="")
        .order_by("created_at", "id")
        .values_list("subject_type", "subject_id", "from_status", "to_status", "created_at")
    )
    for subject_type, subject_id, from_status, to_status, created_at in changes:
        key = (subject_type, subject_id)
        if created_at < moment:
            statuses[key] = to_status
        elif key not in statuses and from_status:
            statuses[key] = from_status
    return statuses


def _then(row, subject: str, statuses: dict[tuple[str, str], str]):
    """A read-only copy of ``row`` (its events' ``subject``) in the status it had then (FSM
    statuses refuse assignment, so the copy's value is set where the field keeps it)."""
    copied = _read_only(copy.copy(row))
    status = statuses.get((subject, str(row.pk)))
    if status:
        copied.__dict__["status"] = status
    return copied


def _traveller_then(line: OrderLine, travellers: dict[int, Traveller], number: int) -> Traveller | None:
    """The traveller ``line`` had in version ``number``: its traveller now, or the one that
    traveller replaced, and so on back."""
    traveller = travellers.get(line.traveller_id)
    while traveller is not None and not in_version(traveller, number):
        traveller = travellers.get(traveller.replaces_id)
    return traveller


def _line_then(
    line: OrderLine, statuses: dict[tuple[str, str], str], ended: datetime, traveller: Traveller | None
) -> OrderLine:
    copied = _then(line, "line", statuses)
    voucher = getattr(line, "voucher", None)
    if voucher is not None:
        voucher = _then(voucher, "voucher", statuses)
        if voucher.revoked_at is not None and voucher.revoked_at >= ended:
            voucher.revoked_at, voucher.revoked_reason = None, ""
    copied._state = copy.copy(line._state)
    copied._state.fields_cache = {**line._state.fields_cache, "voucher": voucher}
    if traveller is not None and traveller.pk != line.traveller_id:
        copied.traveller = traveller
    return copied


def _read_only(row):
    def refuse(*args, **kwargs):
        raise TypeError(f"{type(row).__name__} {row.pk} as an earlier version showed it is read-only.")

    row.save = refuse
    return row


@dataclass(frozen=True)
class VersionSummary:
    """One version of an order as the versions list shows it (version 1 has no row of its own)."""

    number: int
    status: str
    currency: str
    total_amount: Decimal
    balance: Decimal
    fee_amount: Decimal
    created_at: datetime
    confirmed_at: datetime | None
    expires_at: datetime | None


def versions_of(order: Order) -> list[VersionSummary]:
    """Version 1 (the order as finalized), each confirmed amendment and the open draft."""
    rows = list(live_versions().filter(order=order))
    first_total = rows[0].previous_total if rows else order.total_amount
    first = VersionSummary(
        number=1,
        status=AmendmentStatus.CONFIRMED,
        currency=order.currency,
        total_amount=first_total,
        balance=first_total,
        fee_amount=Decimal(0),
        created_at=order.created_at,
        confirmed_at=order.finalized_at,
        expires_at=None,
    )
    return [
        first,
        *(
            VersionSummary(
                number=v.number,
                status=v.status,
                currency=v.currency,
                total_amount=v.total_amount,
                balance=v.balance,
                fee_amount=v.fee_amount,
                created_at=v.created_at,
                confirmed_at=v.confirmed_at,
                expires_at=v.expires_at if v.status == AmendmentStatus.DRAFT else None,
            )
            for v in rows
        ),
    ]


def events_of(*, partner_id: int, order_id) -> QuerySet[OrderEvent] | None:
    if not orders_of(partner_id).filter(pk=order_id).exists():
        return None
    return OrderEvent.objects.filter(order_id=order_id).order_by("created_at", "id")


def order_tickets_for_partner(*, partner_id: int, order_id) -> Order | None:
    """The order with its lines, their travellers and vouchers: what its ticket document prints."""
    lines = OrderLine.objects.select_related("traveller", "voucher", "product").order_by("position")
    queryset = orders_of(partner_id).prefetch_related(Prefetch("lines", queryset=lines))
    return queryset.filter(pk=order_id).first()


def lines_of_orders(orders, statuses) -> list[OrderLine]:
    """The lines of ``orders`` in ``statuses``, with their order, by order reference and position."""
    return list(
        OrderLine.objects.filter(order__in=orders, status__in=statuses)
        .select_related("order")
        .order_by("order__reference", "position")
    )


def vouchers_of_order(order: Order) -> QuerySet[Voucher]:
    """An order's vouchers with their lines, in line order (the order's back-office page)."""
    return Voucher.objects.filter(line__order=order).select_related("line").order_by("line__position")
