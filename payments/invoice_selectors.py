"""Reads of invoices and credit notes, always scoped to one partner.

Lists leave the stored documents (PDF bytes, CSV text) in the database; only the download reads
them.
"""

from django.db.models import Count, Prefetch, QuerySet, Sum

from payments.models import CreditNote, Invoice, InvoiceItem

DOCUMENT_FIELDS = ("pdf", "csv")


def invoices_of(partner_id: int) -> QuerySet[Invoice]:
    """The partner's invoices, newest period first, with their items' running sums (an OPEN
    invoice's totals are fixed only when it closes)."""
    return (
        Invoice.objects.filter(partner_id=partner_id)
        .defer(*DOCUMENT_FIELDS)
        .annotate(
            item_count=Count("items"),
            items_net=Sum("items__net_amount"),
            items_tax=Sum("items__tax_amount"),
            items_total=Sum("items__total_amount"),
        )
        .order_by("-period_start", "currency", "-id")
    )


def invoice_of(*, partner_id: int, invoice_id: int) -> Invoice | None:
    """One of the partner's invoices with its items (orders and credit notes joined)."""
    items = InvoiceItem.objects.select_related("order", "credit_note").order_by("created_at", "id")
    return (
        invoices_of(partner_id)
        .filter(pk=invoice_id)
        .prefetch_related(Prefetch("items", queryset=items))
        .first()
    )


def invoice_document_of(*, partner_id: int, invoice_id: int) -> Invoice | None:
    """One of the partner's invoices with its stored PDF and CSV."""
    return Invoice.objects.filter(partner_id=partner_id, pk=invoice_id).first()


def credit_notes_of(partner_id: int) -> QuerySet[CreditNote]:
    return (
        CreditNote.objects.filter(partner_id=partner_id)
        .select_related("order", "invoice", "invoice_item", "amendment")
        .defer("pdf", "invoice__pdf", "invoice__csv")
        .order_by("-issued_at", "-id")
    )


def credit_note_document_of(*, partner_id: int, credit_note_id: int) -> CreditNote | None:
    return CreditNote.objects.filter(partner_id=partner_id, pk=credit_note_id).first()
