"""What an invoice and a credit note say, and their PDF and CSV forms.

A document is first described as plain text rows (``DocumentContent``), then rendered with
tessera.pdf.Document; tests read the rows as they are handed to the writer, since a PDF's text
is not worth parsing back. The CSV is for a partner's bookkeeping: one row per item, amounts as
plain decimals.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.http import HttpResponse

from payments.models import CreditNote, Invoice, InvoiceItem
from payments.vat import VatLine
from tessera.money import format_amount
from tessera.pdf import Document

ISSUER = "Tessera"
INVOICE_CSV_COLUMNS = [
    "invoice_number",
    "period_start",
    "period_end",
    "item_date",
    "kind",
    "order_reference",
    "order_id",
    "external_reference",
    "credit_note_number",
    "description",
    "currency",
    "net_amount",
    "tax_amount",
    "total_amount",
]


@dataclass(frozen=True)
class Table:
    heading: str
    header: Sequence[str]
    rows: list[list[str]]
    numeric_from: int


@dataclass(frozen=True)
class DocumentContent:
    title: str
    facts: list[tuple[str, str]]
    tables: list[Table] = field(default_factory=list)
    totals: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render_pdf(content: DocumentContent) -> bytes:
    document = Document(title=content.title, issuer=ISSUER)
    document.facts(content.facts)
    for table in content.tables:
        document.heading(table.heading)
        document.table(table.header, table.rows, numeric_from=table.numeric_from)
    if content.totals:
        document.heading("Totals")
        document.facts(content.totals)
    for note in content.notes:
        document.ln(2)
        document.text(note)
    return document.bytes()


def last_day(invoice: Invoice):
    """The period's last day (``period_end`` is the first day after it)."""
    return invoice.period_end - timedelta(days=1)


def _money(amount, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"


def _vat_table(lines: list[VatLine], currency: str) -> Table:
    rows = [
        [
            line.rate_label,
            format_amount(line.net, currency),
            format_amount(line.tax, currency),
            format_amount(line.gross, currency),
        ]
        for line in lines
    ]
    return Table("VAT by rate", ["Rate", "Net", "VAT", "Gross"], rows, numeric_from=1)


def invoice_content(invoice: Invoice, items: list[InvoiceItem], vat: list[VatLine]) -> DocumentContent:
    """A closed (or closing) invoice: its number, period, items, VAT by rate and totals."""
    currency = invoice.currency
    item_rows = [
        [
            f"{item.created_at:%Y-%m-%d}",
            item.description,
            item.order.reference,
            format_amount(item.net_amount, currency),
            format_amount(item.tax_amount, currency),
            format_amount(item.total_amount, currency),
        ]
        for item in items
    ]
    notes = ["Amounts include VAT at the rates shown."]
    if not items:
        notes.append("No orders were billed in this period.")
    if any(item.credit_note_id for item in items):
        notes.append("Credits deduct the credit notes issued in the period for refunded or amended orders.")
    return DocumentContent(
        title=f"Invoice {invoice.number}",
        facts=[
            ("Invoice number", invoice.number or ""),
            ("Billed to", invoice.partner.name),
            ("Period", f"{invoice.period_start:%Y-%m-%d} to {last_day(invoice):%Y-%m-%d}"),
            ("Issued", f"{invoice.closed_at:%Y-%m-%d}" if invoice.closed_at else ""),
            ("Currency", currency),
        ],
        tables=[
            Table(
                "Items",
                ["Date", "Description", "Order", "Net", "VAT", "Total"],
                item_rows,
                numeric_from=3,
            ),
            _vat_table(vat, currency),
        ],
        totals=[
            ("Net", _money(invoice.net_amount, currency)),
            ("VAT", _money(invoice.tax_amount, currency)),
            ("Total", _money(invoice.total_amount, currency)),
        ],
        notes=notes,
    )


def invoice_pdf(invoice: Invoice, items: list[InvoiceItem], vat: list[VatLine]) -> bytes:
    return render_pdf(invoice_content(invoice, items, vat))


def invoice_csv(invoice: Invoice, items: list[InvoiceItem]) -> str:
    """One row per item, with the invoice's number and period on each, so rows stand alone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(INVOICE_CSV_COLUMNS)
    currency = invoice.currency
    for item in items:
        writer.writerow(
            [
                invoice.number or "",
                invoice.period_start.isoformat(),
                last_day(invoice).isoformat(),
                item.created_at.date().isoformat(),
                item.kind,
                item.order.reference,
                str(item.order_id),
                item.order.external_reference,
                item.credit_note.number if item.credit_note_id else "",
                item.description,
                currency,
                format_amount(item.net_amount, currency),
                format_amount(item.tax_amount, currency),
                format_amount(item.total_amount, currency),
            ]
        )
    return buffer.getvalue()


def invoice_label(invoice: Invoice | None) -> str:
    if invoice is None:
        return "-"
    return invoice.number or f"the invoice for {invoice.period_start:%Y-%m} (open)"


def refunded_table(lines: list[tuple[str, str]]) -> Table:
    """A refund's credit note: (description, amount) of each refunded line."""
    return Table("Refunded", ["Description", "Amount"], [[d, a] for d, a in lines], numeric_from=1)


def amended_table(version: int, lines: list[tuple[str, str, str]]) -> Table:
    """An amendment's credit note: (description, VAT rate, amount credited) of each line it gave
    up, each line it added and its fees (those two negative)."""
    return Table(
        f"Changed by version {version}",
        ["Description", "VAT rate", "Credited"],
        [list(line) for line in lines],
        numeric_from=2,
    )


def credit_note_content(
    note: CreditNote, *, table: Table, vat: list[VatLine], deducted_on: Invoice
) -> DocumentContent:
    """A credit note: what is given back on which order, and which invoice deducts it.

    ``table`` lists what is credited (``refunded_table`` or ``amended_table``); ``deducted_on`` is
    the open invoice that gets the credit, ``note.invoice`` the one the order was billed on.
    """
    currency = note.currency
    facts = [
        ("Credit note number", note.number),
        ("Issued to", note.partner.name),
        ("Issued", f"{note.issued_at:%Y-%m-%d}"),
        ("Order", note.order.reference),
    ]
    if note.amendment is not None:
        facts.append(("Amendment", f"Version {note.amendment.number}"))
    facts += [
        ("Billed on", invoice_label(note.invoice)),
        ("Deducted on", invoice_label(deducted_on)),
        ("Currency", currency),
    ]
    return DocumentContent(
        title=f"Credit note {note.number}",
        facts=facts,
        tables=[table, _vat_table(vat, currency)],
        totals=[
            ("Net", _money(note.net_amount, currency)),
            ("VAT", _money(note.tax_amount, currency)),
            ("Total credited", _money(note.total_amount, currency)),
        ],
        notes=["Amounts include VAT at the rates shown. The total is deducted on the invoice named above."],
    )


def credit_note_pdf(note: CreditNote, *, table: Table, vat: list[VatLine], deducted_on: Invoice) -> bytes:
    return render_pdf(credit_note_content(note, table=table, vat=vat, deducted_on=deducted_on))


def document_response(content: bytes | str, *, media_type: str, filename: str) -> HttpResponse:
    """A stored document as a download (the API's and the admin's)."""
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=86400"  # a closed document never changes
    return response


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    return document_response(
        bytes(invoice.pdf), media_type="application/pdf", filename=f"{invoice.number}.pdf"
    )


def invoice_csv_response(invoice: Invoice) -> HttpResponse:
    return document_response(
        invoice.csv.encode(), media_type="text/csv; charset=utf-8", filename=f"{invoice.number}.csv"
    )


def credit_note_pdf_response(note: CreditNote) -> HttpResponse:
    return document_response(bytes(note.pdf), media_type="application/pdf", filename=f"{note.number}.pdf")
