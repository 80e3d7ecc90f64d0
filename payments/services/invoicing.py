"""Monthly invoices for invoice-billing partners, and credit notes for refunds on invoiced orders
and for their amendments that give money back.

A partner billed by invoice has one OPEN invoice per currency and calendar month (UTC). Finalizing
an order by invoice adds a charge to the month's invoice, and so does an amendment that costs
more; a credit note adds a negative credit to the invoice open when it is issued, so the next
bill deducts it. Closing an ended month fixes the
totals, gives the invoice the next number of its year's series and stores its PDF and CSV; after
that the model and, on PostgreSQL, the database refuse any change (payments/migrations/0004).

Locks, after the caller's order and lines: the invoice row, then the number series row. Closing
takes no order lock. A number is taken in the transaction that uses it, so a rollback gives the
number back and the series has no gaps.
"""

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from orders.models import Order, OrderLine, OrderVersion, in_version, version_changes
from orders.statuses import BillingMode
from payments import events
from payments.invoice_documents import (
    Table,
    amended_table,
    credit_note_pdf,
    invoice_csv,
    invoice_label,
    invoice_pdf,
    refunded_table,
)
from payments.locks import lock_invoice, lock_open_invoice, lock_sequence
from payments.models import (
    CreditNote,
    DocumentSequence,
    Invoice,
    InvoiceItem,
    InvoiceItemKind,
    InvoiceStatus,
    Refund,
)
from payments.signals import invoice_closed
from payments.vat import VatLine, allocate, combine, rate_label, total_tax, vat_lines
from tessera.actors import Actor
from tessera.errors import InvalidState
from tessera.money import ZERO, format_amount

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 255  # InvoiceItem.description


def month_of(moment: datetime) -> tuple[date, date]:
    """The calendar month (UTC) holding ``moment``: its first day and the first day after it."""
    start = moment.astimezone(UTC).date().replace(day=1)
    return start, _next_month(start)


def _next_month(first_day: date) -> date:
    return (first_day + timedelta(days=32)).replace(day=1)


def _open_invoice(*, partner_id: int, currency: str, at: datetime) -> Invoice:
    """The partner's OPEN invoice for the month of ``at``, created if missing, locked.

    Two first orders of a month at once both try to create it; the unique (partner, currency,
    period_start) constraint lets one win and the other read the winner's row. If the month is
    already CLOSED (closing won the race against this order), the next month's invoice is used.
    """
    start, end = month_of(at)
    invoices = Invoice.objects.defer("pdf", "csv")  # a closed month's documents are not needed here
    while True:
        invoice, _ = invoices.get_or_create(
            partner_id=partner_id, currency=currency, period_start=start, defaults={"period_end": end}
        )
        invoice = lock_invoice(invoices, invoice.pk)
        if invoice.status == InvoiceStatus.OPEN:
            return invoice
        start, end = end, _next_month(end)


def _next_number(series: str) -> int:
    """The next number of ``series``, under the series row's lock (held until commit)."""
    DocumentSequence.objects.get_or_create(name=series)
    sequence = lock_sequence(series)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def order_vat(lines: list[OrderLine], currency: str) -> list[VatLine]:
    return vat_lines(((line.amount, line.tax_rate) for line in lines), currency)


def refund_vat(refund: Refund, order_lines: list[OrderLine], version: int) -> list[VatLine]:
    """The refund's amount split over the VAT rates of its lines, in proportion to what each line
    gives back; a refund that names no line (by amount) over the lines of the order's ``version``.

    A refunded order takes no amendment (only FULFILLED and PARTIALLY_FULFILLED orders do), so
    the order's version when its invoice closes is the one the refund was made in.
    """
    refund_lines = list(refund.refund_lines.all())
    if refund_lines:
        parts = [(item.amount, item.line.tax_rate) for item in refund_lines]
    else:
        parts = [(line.amount, line.tax_rate) for line in order_lines if in_version(line, version)]
    return allocate(refund.amount, parts, refund.currency)


def amendment_vat(version: OrderVersion, order_lines: list[OrderLine]) -> list[VatLine]:
    """An amendment's balance over the VAT rates of what it changed: each added line at its rate,
    less each line given up at its rate, plus the change fees, which are charged for the lines
    given up, spread over those lines' rates in proportion to their amounts (payments.vat.allocate:
    exact per line when they share a rate)."""
    added, removed = version_changes(order_lines, version.number)
    parts = [(line.amount, line.tax_rate) for line in added] + [
        (-line.amount, line.tax_rate) for line in removed
    ]
    rows = vat_lines(parts, version.currency)
    if version.fee_amount:
        rows += allocate(
            version.fee_amount, [(line.amount, line.tax_rate) for line in removed], version.currency
        )
    return combine(rows, version.currency)


def _amendment_description(order: Order, version: OrderVersion, order_lines: list[OrderLine]) -> str:
    """``Order R, version 2: added 3 (12 %); removed 1 (12 %); fees 5.00``: what the item bills."""
    added, removed = version_changes(order_lines, version.number)
    parts = [
        f"{what} {', '.join(f'{line.position} ({rate_label(line.tax_rate)})' for line in lines)}"
        for what, lines in (("added", added), ("removed", removed))
        if lines
    ]
    if version.fee_amount:
        parts.append(f"fees {format_amount(version.fee_amount, version.currency)}")
    text = f"Order {order.reference}, version {version.number}: {'; '.join(parts)}"
    return text if len(text) <= MAX_DESCRIPTION else f"{text[: MAX_DESCRIPTION - 3]}..."


# --- accrual ------------------------------------------------------------------------------------


def invoice_accrue(*, order: Order, actor: Actor) -> InvoiceItem:
    """Bill a locked order being finalized by invoice: one charge on its month's open invoice.

    Runs inside the finalization's transaction. Idempotent: an order already billed keeps its
    charge (one charge per order is also a database constraint).
    """
    with transaction.atomic():
        existing = InvoiceItem.objects.filter(order=order, kind=InvoiceItemKind.CHARGE).first()
        if existing is not None:
            return existing
        vat = order_vat(list(order.lines.all()), order.currency)
        tax = total_tax(vat)
        invoice = _open_invoice(partner_id=order.partner_id, currency=order.currency, at=timezone.now())
        item = InvoiceItem.objects.create(
            invoice=invoice,
            kind=InvoiceItemKind.CHARGE,
            order=order,
            description=f"Order {order.reference}",
            net_amount=order.total_amount - tax,
            tax_amount=tax,
            total_amount=order.total_amount,
        )
        events.invoice_accrued(
            invoice,
            order_id=order.pk,
            actor=actor,
            payload={
                "period": f"{invoice.period_start:%Y-%m}",
                "total": format_amount(item.total_amount, order.currency),
                "tax": format_amount(item.tax_amount, order.currency),
            },
        )
        return item


def invoice_accrue_amendment(*, order: Order, version: OrderVersion, actor: Actor) -> InvoiceItem:
    """Bill a confirmed amendment's balance of a locked invoiced order on the month's open invoice:
    a charge when positive; when it gives money back, a credit note whose negative credit item the
    open invoice deducts. Inside the confirmation's transaction; one item per amendment (a
    database constraint)."""
    with transaction.atomic():
        existing = InvoiceItem.objects.filter(amendment=version).first()
        if existing is not None:
            return existing
        order_lines = list(order.lines.all())
        if version.balance < 0:
            return _amendment_credit_note_issue(order, version, order_lines, actor=actor).invoice_item
        tax = total_tax(amendment_vat(version, order_lines))
        invoice = _open_invoice(partner_id=order.partner_id, currency=order.currency, at=timezone.now())
        item = InvoiceItem.objects.create(
            invoice=invoice,
            kind=InvoiceItemKind.CHARGE,
            order=order,
            amendment=version,
            description=_amendment_description(order, version, order_lines),
            net_amount=version.balance - tax,
            tax_amount=tax,
            total_amount=version.balance,
        )
        events.invoice_accrued(
            invoice,
            order_id=order.pk,
            actor=actor,
            payload={
                "period": f"{invoice.period_start:%Y-%m}",
                "total": format_amount(item.total_amount, order.currency),
                "tax": format_amount(item.tax_amount, order.currency),
                "version": version.number,
            },
        )
        return item


# --- closing ------------------------------------------------------------------------------------


def invoices_close(
    *, actor: Actor, today: date | None = None, invoice_ids: list[int] | None = None
) -> list[Invoice]:
    """Close every OPEN invoice whose period has ended by ``today`` (UTC), oldest period first.

    Each invoice closes in its own short transaction, so one invoice's trouble does not hold the
    others. Running it twice, or twice at once, closes each invoice once: the second run finds it
    CLOSED under the lock and skips it. ``invoice_ids`` limits it to those invoices (the admin's
    selection).
    """
    today = today or timezone.now().date()
    due = Invoice.objects.filter(status=InvoiceStatus.OPEN, period_end__lte=today)
    if invoice_ids is not None:
        due = due.filter(pk__in=invoice_ids)
    ids = list(due.order_by("period_start", "partner_id", "currency", "pk").values_list("pk", flat=True))
    closed = []
    for invoice_id in ids:
        invoice = _invoice_close(invoice_id, actor=actor)
        if invoice is not None:
            closed.append(invoice)
    return closed


def _invoice_close(invoice_id: int, *, actor: Actor) -> Invoice | None:
    with transaction.atomic():
        invoice = lock_open_invoice(invoice_id)
        if invoice is None:
            return None  # closed meanwhile by another run
        items = list(
            invoice.items.select_related("order", "credit_note__refund", "amendment")
            .defer("credit_note__pdf")
            .prefetch_related("order__lines", "credit_note__refund__refund_lines__line")
            .order_by("created_at", "id")
        )
        invoice.net_amount = sum((item.net_amount for item in items), ZERO)
        invoice.tax_amount = sum((item.tax_amount for item in items), ZERO)
        invoice.total_amount = sum((item.total_amount for item in items), ZERO)
        year = invoice.period_start.year
        number = f"INV-{year}-{_next_number(f'INV-{year}'):05d}"
        invoice.close(number=number, at=timezone.now())
        invoice.pdf = invoice_pdf(invoice, items, combine(_items_vat(items), invoice.currency))
        invoice.csv = invoice_csv(invoice, items)
        invoice.save()
        invoice_closed.send(sender=Invoice, invoice=invoice)
    logger.info(
        "invoice %s closed by %s: %s, %s, %s %s",
        number,
        actor.label,
        invoice.partner.name,
        f"{invoice.period_start:%Y-%m}",
        format_amount(invoice.total_amount, invoice.currency),
        invoice.currency,
    )
    return invoice


def _items_vat(items: list[InvoiceItem]) -> list[VatLine]:
    """The VAT rows of every item, recomputed the way the item's tax was: charges from the order's
    lines, credits from the credit note's refund (negated), amendments from what they changed."""
    rows: list[VatLine] = []
    for item in items:
        lines = list(item.order.lines.all())
        if item.amendment_id is not None:
            rows.extend(amendment_vat(item.amendment, lines))
        elif item.kind == InvoiceItemKind.CHARGE:
            # What was billed at finalizing: the lines of version 1, whatever amendments did since.
            rows.extend(
                order_vat([line for line in lines if line.added_in_version == 1], item.order.currency)
            )
        else:
            refund = item.credit_note.refund
            rows.extend(line.negated() for line in refund_vat(refund, lines, item.order.version))
    return rows


# --- credit notes -------------------------------------------------------------------------------


def credit_note_issue(*, refund: Refund, actor: Actor) -> CreditNote:
    """The credit note for a refund of an invoiced order, and its credit on the open invoice.

    Called inside the refund's transaction, which holds the order's lock. Numbered CN-<year>-NNNNN
    from its own gapless series. Idempotent: a refund has at most one credit note.
    """
    with transaction.atomic():
        existing = CreditNote.objects.filter(refund=refund).first()
        if existing is not None:
            return existing
        order = Order.objects.select_related("partner").get(pk=refund.order_id)
        if order.payment_method != BillingMode.INVOICE:
            raise InvalidState(
                f"Order {order.reference} was not billed by invoice; its refund needs no credit note.",
                payment_method=order.payment_method,
            )
        order_lines = list(order.lines.all())
        prefetch_related_objects([refund], "refund_lines__line")
        return _credit_note_create(
            order,
            refund=refund,
            amount=refund.amount,
            vat=refund_vat(refund, order_lines, order.version),
            table=refunded_table(_refunded_lines(refund)),
            subject=f"order {order.reference}",
            payload={"refund": str(refund.pk)},
            actor=actor,
        )


def _amendment_credit_note_issue(
    order: Order, version: OrderVersion, order_lines: list[OrderLine], *, actor: Actor
) -> CreditNote:
    """The credit note giving back an amendment's negative balance: what the lines given up cost,
    less the lines added and the fees kept, each at its VAT rate."""
    return _credit_note_create(
        order,
        amendment=version,
        amount=-version.balance,
        vat=[row.negated() for row in amendment_vat(version, order_lines)],
        table=amended_table(version.number, _amended_lines(version, order_lines)),
        subject=f"order {order.reference}, version {version.number}",
        payload={"version": version.number},
        actor=actor,
    )


def _credit_note_create(
    order: Order,
    *,
    amount: Decimal,
    vat: list[VatLine],
    table: Table,
    subject: str,
    payload: dict,
    actor: Actor,
    refund: Refund | None = None,
    amendment: OrderVersion | None = None,
) -> CreditNote:
    """Number, render and store a credit note of ``amount`` on the locked ``order`` for a refund or
    an amendment, put its negative credit on the partner's open invoice (described as for
    ``subject``) and record it on the order's trail."""
    tax = total_tax(vat)
    charge = (
        InvoiceItem.objects.select_related("invoice")
        .defer("invoice__pdf", "invoice__csv")
        .filter(order=order, kind=InvoiceItemKind.CHARGE, amendment__isnull=True)
        .first()
    )
    now = timezone.now()
    deducted_on = _open_invoice(partner_id=order.partner_id, currency=order.currency, at=now)
    note = CreditNote(
        number=f"CN-{now.year}-{_next_number(f'CN-{now.year}'):05d}",
        partner=order.partner,
        order=order,
        refund=refund,
        amendment=amendment,
        invoice=charge.invoice if charge else None,
        currency=order.currency,
        net_amount=amount - tax,
        tax_amount=tax,
        total_amount=amount,
        issued_at=now,
    )
    note.pdf = credit_note_pdf(note, table=table, vat=vat, deducted_on=deducted_on)
    note.save()
    note.invoice_item = InvoiceItem.objects.create(
        invoice=deducted_on,
        kind=InvoiceItemKind.CREDIT,
        order=order,
        credit_note=note,
        amendment=amendment,
        description=f"Credit note {note.number} for {subject}",
        net_amount=-note.net_amount,
        tax_amount=-note.tax_amount,
        total_amount=-note.total_amount,
    )
    events.credit_note_issued(
        note,
        actor=actor,
        payload={
            "number": note.number,
            **payload,
            "total": format_amount(note.total_amount, note.currency),
            "deductedOn": invoice_label(deducted_on),
        },
    )
    return note


def _refunded_lines(refund: Refund) -> list[tuple[str, str]]:
    refund_lines = list(refund.refund_lines.all())
    if not refund_lines:
        return [("Refund of the order", format_amount(refund.amount, refund.currency))]
    return [
        (f"{item.line.position}. {item.line.description}", format_amount(item.amount, refund.currency))
        for item in refund_lines
    ]


def _amended_lines(version: OrderVersion, order_lines: list[OrderLine]) -> list[tuple[str, str, str]]:
    """(description, VAT rate, amount credited) of each line an amendment gave up (credited) and
    added (deducted), then the fees it kept (deducted), at the rates they are taxed at."""
    added, removed = version_changes(order_lines, version.number)
    replaced = {line.replaces_id for line in added}
    currency = version.currency
    rows = [
        (
            f"{line.position}. {line.description} ({'exchanged away' if line.pk in replaced else 'removed'})",
            rate_label(line.tax_rate),
            format_amount(line.amount, currency),
        )
        for line in removed
    ]
    rows += [
        (
            f"{line.position}. {line.description} (added)",
            rate_label(line.tax_rate),
            format_amount(-line.amount, currency),
        )
        for line in added
    ]
    if version.fee_amount:
        rates = ", ".join(
            row.rate_label
            for row in allocate(
                version.fee_amount, [(line.amount, line.tax_rate) for line in removed], currency
            )
        )
        rows.append(("Change fees kept", rates, format_amount(-version.fee_amount, currency)))
    return rows
