"""An invoice's PDF names its number, partner, period, items, VAT by rate and totals; its CSV has
one row per item under a fixed header. The PDF's text is checked as it was handed to the PDF
writer, not parsed back."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from payments.invoice_documents import INVOICE_CSV_COLUMNS
from payments.services.invoicing import invoices_close
from tests import factories
from tests.invoicing_support import STAFF, billed_order, credit, product, refund_of

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def march_invoice(db):
    partner = factories.partner(invoice=True, name="Nordic Agency")
    rail, event = product(price="112.00", tax_rate="12"), product(price="54.50", tax_rate="9")
    first = billed_order(partner, (rail, 1), at=MARCH, external_reference="PO-1")
    second = billed_order(partner, (event, 2), at=datetime(2026, 3, 20, tzinfo=UTC))
    credit(refund_of(second, line_count=1), at=datetime(2026, 3, 25, tzinfo=UTC))
    return partner, first, second


def test_the_invoice_pdf_is_a_pdf_with_the_number_period_items_vat_and_totals(march_invoice, recorded):
    partner, first, second = march_invoice

    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    assert bytes(invoice.pdf).startswith(b"%PDF-")
    facts = dict(next(rows for kind, rows in recorded if kind == "facts"))
    assert facts["Invoice number"] == "INV-2026-00001"
    assert facts["Billed to"] == "Nordic Agency"
    assert facts["Period"] == "2026-03-01 to 2026-03-31"
    tables = [rows for kind, rows in recorded if kind == "table"]
    items, vat = tables
    assert items[0] == ["Date", "Description", "Order", "Net", "VAT", "Total"]
    assert [row[2] for row in items[1:]] == [first.reference, second.reference, second.reference]
    assert [row[5] for row in items[1:]] == ["112.00", "109.00", "-54.50"]
    assert vat == [
        ["Rate", "Net", "VAT", "Gross"],
        ["9 %", "50.00", "4.50", "54.50"],
        ["12 %", "100.00", "12.00", "112.00"],
    ]
    totals = dict(recorded[-1][1])
    assert totals == {"Net": "150.00 EUR", "VAT": "16.50 EUR", "Total": "166.50 EUR"}


def test_the_vat_rows_add_up_to_the_invoices_vat(march_invoice, recorded):
    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    vat_table = [rows for kind, rows in recorded if kind == "table"][1]
    assert sum(Decimal(row[2]) for row in vat_table[1:]) == invoice.tax_amount == Decimal("16.50")
    assert sum(Decimal(row[3]) for row in vat_table[1:]) == invoice.total_amount


def test_the_csv_has_its_header_and_one_row_per_item(march_invoice):
    partner, first, second = march_invoice

    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    rows = list(csv.DictReader(io.StringIO(invoice.csv)))
    assert list(rows[0]) == INVOICE_CSV_COLUMNS
    assert [(row["kind"], row["order_reference"], row["total_amount"]) for row in rows] == [
        ("charge", first.reference, "112.00"),
        ("charge", second.reference, "109.00"),
        ("credit", second.reference, "-54.50"),
    ]
    charge = rows[0]
    assert charge["invoice_number"] == "INV-2026-00001"
    assert (charge["period_start"], charge["period_end"]) == ("2026-03-01", "2026-03-31")
    assert (charge["net_amount"], charge["tax_amount"], charge["currency"]) == ("100.00", "12.00", "EUR")
    assert (charge["external_reference"], charge["order_id"]) == ("PO-1", str(first.pk))
    assert charge["item_date"] == "2026-03-10"
    assert rows[2]["credit_note_number"] == "CN-2026-00001"


def test_the_credit_note_pdf_names_the_order_the_invoices_and_the_amounts(invoice_partner, recorded):
    order = billed_order(invoice_partner, (product(price="112.00", tax_rate="12"), 2), at=MARCH)
    invoices_close(actor=STAFF, today=date(2026, 4, 1))
    recorded.clear()

    note = credit(refund_of(order, line_count=1), at=datetime(2026, 4, 2, tzinfo=UTC))

    assert bytes(note.pdf).startswith(b"%PDF-")
    facts = dict(recorded[0][1])
    assert facts["Credit note number"] == "CN-2026-00001"
    assert facts["Order"] == order.reference
    assert facts["Billed on"] == "INV-2026-00001"
    assert facts["Deducted on"] == "the invoice for 2026-04 (open)"
    refunded, vat = (rows for kind, rows in recorded if kind == "table")
    assert refunded[1:] == [[f"1. {order.lines.get(position=1).description}", "112.00"]]
    assert vat[1:] == [["12 %", "100.00", "12.00", "112.00"]]
    assert dict(recorded[-1][1])["Total credited"] == "112.00 EUR"
