"""Closing a month: totals and VAT fixed from the items, gapless numbers per year, documents
stored, nothing closed twice, and a closed invoice that never changes again."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from payments import invoice_documents
from payments.models import (
    CreditNote,
    DocumentSequence,
    ImmutableRowError,
    Invoice,
    InvoiceItem,
    InvoiceItemKind,
    InvoiceStatus,
)
from payments.services import invoicing
from payments.services.invoicing import invoices_close
from tests import factories
from tests.invoicing_support import STAFF, billed_order, credit, product, refund_of

pytestmark = pytest.mark.django_db


def moment(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def closed_numbers() -> dict[tuple[str, date], str]:
    return {
        (invoice.partner.name, invoice.period_start): invoice.number
        for invoice in Invoice.objects.filter(status=InvoiceStatus.CLOSED).select_related("partner")
    }


# --- totals -------------------------------------------------------------------------------------


def test_closing_fixes_net_vat_and_total_from_the_items(invoice_partner):
    rail, event, voucher = (
        product(price="112.00", tax_rate="12"),
        product(price="109.00", tax_rate="9"),
        product(price="25.00", tax_rate="0"),
    )
    billed_order(invoice_partner, (rail, 2), at=moment(2026, 3))
    billed_order(invoice_partner, (event, 1), (voucher, 1), at=moment(2026, 3, 20))

    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CLOSED
    assert invoice.total_amount == Decimal("358.00")
    assert invoice.tax_amount == Decimal("24.00") + Decimal("9.00")
    assert invoice.net_amount == Decimal("325.00")
    assert invoice.closed_at is not None


def test_a_credit_note_of_the_month_is_deducted_from_its_total(invoice_partner):
    ticket = product(price="112.00", tax_rate="12")
    order = billed_order(invoice_partner, (ticket, 2), at=moment(2026, 3))
    credit(refund_of(order, line_count=1), at=moment(2026, 3, 25))

    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    assert (invoice.total_amount, invoice.tax_amount, invoice.net_amount) == (
        Decimal("112.00"),
        Decimal("12.00"),
        Decimal("100.00"),
    )
    kinds = list(invoice.items.order_by("created_at", "id").values_list("kind", "total_amount"))
    assert kinds == [("charge", Decimal("224.00")), ("credit", Decimal("-112.00"))]


def test_an_invoice_without_items_closes_as_a_zero_invoice(invoice_partner):
    """It keeps the series gapless and the month accounted for; its PDF says nothing was billed."""
    Invoice.objects.create(
        partner=invoice_partner, currency="EUR", period_start=date(2026, 2, 1), period_end=date(2026, 3, 1)
    )

    [invoice] = invoices_close(actor=STAFF, today=date(2026, 3, 1))

    assert invoice.number == "INV-2026-00001"
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (0, 0, 0)
    assert bytes(invoice.pdf).startswith(b"%PDF")


def test_closing_stores_the_pdf_and_the_csv(invoice_partner):
    billed_order(invoice_partner, (product(price="50.00"), 1), at=moment(2026, 3))

    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    stored = Invoice.objects.get(pk=invoice.pk)
    assert bytes(stored.pdf).startswith(b"%PDF-")
    assert stored.csv.splitlines()[0] == ",".join(invoice_documents.INVOICE_CSV_COLUMNS)
    assert len(stored.csv.splitlines()) == 2


# --- which invoices close -----------------------------------------------------------------------


def test_only_invoices_whose_month_has_ended_close(invoice_partner):
    ticket = product()
    billed_order(invoice_partner, (ticket, 1), at=moment(2026, 3))
    billed_order(invoice_partner, (ticket, 1), at=moment(2026, 4))

    closed = invoices_close(actor=STAFF, today=date(2026, 4, 30))

    assert [invoice.period_start for invoice in closed] == [date(2026, 3, 1)]
    assert Invoice.objects.get(period_start=date(2026, 4, 1)).status == InvoiceStatus.OPEN


def test_closing_twice_closes_nothing_the_second_time(invoice_partner):
    billed_order(invoice_partner, (product(), 1), at=moment(2026, 3))
    [first] = invoices_close(actor=STAFF, today=date(2026, 4, 1))
    before = Invoice.objects.values("number", "total_amount", "closed_at", "csv").get(pk=first.pk)

    second = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    assert second == []
    assert Invoice.objects.values("number", "total_amount", "closed_at", "csv").get(pk=first.pk) == before
    assert DocumentSequence.objects.get(name="INV-2026").last_value == 1


def test_without_a_date_it_closes_what_has_ended_by_today_utc(invoice_partner):
    billed_order(invoice_partner, (product(), 1), at=moment(2026, 3))
    billed_order(invoice_partner, (product(), 1))  # this month: still running

    closed = invoices_close(actor=STAFF)

    assert [invoice.period_start for invoice in closed] == [date(2026, 3, 1)]


# --- numbers ------------------------------------------------------------------------------------


def test_numbers_are_sequential_without_gaps_across_partners_and_months_per_year_of_the_period(db):
    ada, bea = factories.partner(invoice=True, name="Ada"), factories.partner(invoice=True, name="Bea")
    ticket = product()
    for partner in (bea, ada):
        for month in ((2025, 12), (2026, 1), (2026, 2)):
            billed_order(partner, (ticket, 1), at=moment(*month))

    closed = invoices_close(actor=STAFF, today=date(2026, 3, 1))

    assert [invoice.number for invoice in closed] == [
        "INV-2025-00001",
        "INV-2025-00002",
        "INV-2026-00001",
        "INV-2026-00002",
        "INV-2026-00003",
        "INV-2026-00004",
    ]
    # oldest month first, then partner by id (not the order of billing): stable from run to run
    assert closed_numbers() == {
        ("Ada", date(2025, 12, 1)): "INV-2025-00001",
        ("Bea", date(2025, 12, 1)): "INV-2025-00002",
        ("Ada", date(2026, 1, 1)): "INV-2026-00001",
        ("Bea", date(2026, 1, 1)): "INV-2026-00002",
        ("Ada", date(2026, 2, 1)): "INV-2026-00003",
        ("Bea", date(2026, 2, 1)): "INV-2026-00004",
    }


def test_the_next_month_continues_the_series(invoice_partner):
    ticket = product()
    billed_order(invoice_partner, (ticket, 1), at=moment(2026, 3))
    invoices_close(actor=STAFF, today=date(2026, 4, 1))
    billed_order(invoice_partner, (ticket, 1), at=moment(2026, 4))

    [april] = invoices_close(actor=STAFF, today=date(2026, 5, 1))

    assert april.number == "INV-2026-00002"


def test_a_closing_that_fails_halfway_gives_its_number_back(db, monkeypatch):
    """The number is taken in the transaction that closes the invoice: a failure leaves no gap."""
    ada, bea = factories.partner(invoice=True, name="Ada"), factories.partner(invoice=True, name="Bea")
    for partner in (ada, bea):
        billed_order(partner, (product(), 1), at=moment(2026, 3))
    real_pdf = invoicing.invoice_pdf

    def pdf_failing_for_bea(invoice, items, vat):
        if invoice.partner_id == bea.pk:
            raise OSError("disk full")
        return real_pdf(invoice, items, vat)

    monkeypatch.setattr(invoicing, "invoice_pdf", pdf_failing_for_bea)
    with pytest.raises(OSError):
        invoices_close(actor=STAFF, today=date(2026, 4, 1))
    assert closed_numbers() == {("Ada", date(2026, 3, 1)): "INV-2026-00001"}

    monkeypatch.setattr(invoicing, "invoice_pdf", real_pdf)
    invoices_close(actor=STAFF, today=date(2026, 4, 1))

    assert closed_numbers() == {
        ("Ada", date(2026, 3, 1)): "INV-2026-00001",
        ("Bea", date(2026, 3, 1)): "INV-2026-00002",
    }


# --- a closed invoice never changes ---------------------------------------------------------------


@pytest.fixture
def closed_invoice(invoice_partner) -> Invoice:
    billed_order(invoice_partner, (product(price="80.00"), 1), at=moment(2026, 3))
    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))
    return Invoice.objects.get(pk=invoice.pk)


def test_saving_a_closed_invoice_is_refused(closed_invoice):
    closed_invoice.total_amount = Decimal("1.00")

    with pytest.raises(ImmutableRowError):
        closed_invoice.save()

    assert Invoice.objects.get(pk=closed_invoice.pk).total_amount == Decimal("80.00")


def test_saving_a_stale_open_copy_of_a_closed_invoice_is_refused(invoice_partner):
    billed_order(invoice_partner, (product(), 1), at=moment(2026, 3))
    stale = Invoice.objects.get(partner=invoice_partner)
    invoices_close(actor=STAFF, today=date(2026, 4, 1))

    with pytest.raises(ImmutableRowError):
        stale.save()


def test_deleting_a_closed_invoice_is_refused(closed_invoice):
    with pytest.raises(ImmutableRowError):
        closed_invoice.delete()

    assert Invoice.objects.filter(pk=closed_invoice.pk).exists()


def test_an_invoice_item_is_written_once(closed_invoice):
    item = closed_invoice.items.get()
    item.total_amount = Decimal("1.00")

    with pytest.raises(ImmutableRowError):
        item.save()


def test_a_credit_note_is_written_once(invoice_partner):
    order = billed_order(invoice_partner, (product(), 1))
    note = credit(refund_of(order))
    note.total_amount = Decimal("1.00")

    with pytest.raises(ImmutableRowError):
        note.save()


@pytest.mark.postgres
def test_the_database_refuses_to_update_a_closed_invoice_behind_the_models_back(closed_invoice):
    with pytest.raises(IntegrityError, match="closed invoice"), transaction.atomic():
        Invoice.objects.filter(pk=closed_invoice.pk).update(total_amount=Decimal("1.00"))

    assert Invoice.objects.get(pk=closed_invoice.pk).total_amount == Decimal("80.00")


@pytest.mark.postgres
def test_the_database_refuses_an_item_on_a_closed_invoice(closed_invoice):
    order = closed_invoice.items.get().order

    with pytest.raises(IntegrityError, match="open invoice"), transaction.atomic():
        InvoiceItem.objects.create(
            invoice=closed_invoice,
            kind=InvoiceItemKind.CREDIT,
            order=order,
            description="late",
            net_amount=Decimal("-1.00"),
            tax_amount=Decimal("0.00"),
            total_amount=Decimal("-1.00"),
        )

    assert closed_invoice.items.count() == 1


@pytest.mark.postgres
def test_the_database_refuses_to_change_an_invoice_item_or_a_credit_note(invoice_partner):
    order = billed_order(invoice_partner, (product(), 1))
    note = credit(refund_of(order))

    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceItem.objects.filter(order=order).update(description="changed")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditNote.objects.filter(pk=note.pk).update(total_amount=Decimal("0.01"))

    assert CreditNote.objects.get(pk=note.pk).total_amount == note.total_amount
