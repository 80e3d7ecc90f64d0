"""Output shapes of invoices and credit notes (camelCase, amounts as decimal strings)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from payments.invoice_documents import last_day
from payments.models import CreditNote, Invoice, InvoiceItem, InvoiceStatus
from tessera.api.fields import MoneyField, MoneySerializer, money
from tessera.api.rendering import render_many
from tessera.money import ZERO

INVOICE_DOCUMENTS = inline_serializer(
    "InvoiceDocuments",
    {
        "pdf": serializers.CharField(allow_null=True, help_text="Path of the PDF; null while OPEN."),
        "csv": serializers.CharField(allow_null=True, help_text="Path of the CSV; null while OPEN."),
    },
)


def _amount(invoice: Invoice, name: str) -> dict:
    """Fixed totals once CLOSED; while OPEN, the running sums of the items so far."""
    if invoice.status == InvoiceStatus.CLOSED:
        return money(getattr(invoice, f"{name}_amount"), invoice.currency)
    return money(getattr(invoice, f"items_{name}", None) or ZERO, invoice.currency)


class InvoiceOut(serializers.ModelSerializer):
    number = serializers.CharField(allow_null=True, help_text="INV-<year>-<5 digits>; null while OPEN.")
    period = serializers.SerializerMethodField()
    periodStart = serializers.DateField(source="period_start")
    periodEnd = serializers.SerializerMethodField()
    net = serializers.SerializerMethodField()
    tax = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    itemCount = serializers.IntegerField(source="item_count")
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "status",
            "currency",
            "period",
            "periodStart",
            "periodEnd",
            "net",
            "tax",
            "total",
            "itemCount",
            "closedAt",
            "createdAt",
            "documents",
        ]

    def get_period(self, invoice: Invoice) -> str:
        return f"{invoice.period_start:%Y-%m}"

    @extend_schema_field(serializers.DateField(help_text="The period's last day."))
    def get_periodEnd(self, invoice: Invoice) -> str:  # noqa: N802 - API name
        return last_day(invoice).isoformat()

    @extend_schema_field(MoneySerializer)
    def get_net(self, invoice: Invoice) -> dict:
        return _amount(invoice, "net")

    @extend_schema_field(MoneySerializer)
    def get_tax(self, invoice: Invoice) -> dict:
        return _amount(invoice, "tax")

    @extend_schema_field(MoneySerializer)
    def get_total(self, invoice: Invoice) -> dict:
        return _amount(invoice, "total")

    @extend_schema_field(INVOICE_DOCUMENTS)
    def get_documents(self, invoice: Invoice) -> dict:
        if invoice.status != InvoiceStatus.CLOSED:
            return {"pdf": None, "csv": None}
        return {
            "pdf": reverse("api:invoice-pdf", args=[invoice.pk]),
            "csv": reverse("api:invoice-csv", args=[invoice.pk]),
        }


class InvoiceItemOut(serializers.ModelSerializer):
    orderId = serializers.UUIDField(source="order_id")
    orderReference = serializers.CharField(source="order.reference")
    externalReference = serializers.CharField(source="order.external_reference")
    creditNoteId = serializers.IntegerField(source="credit_note_id", allow_null=True)
    creditNoteNumber = serializers.CharField(source="credit_note.number", allow_null=True, default=None)
    net = MoneyField(amount="net_amount", currency="invoice.currency")
    tax = MoneyField(amount="tax_amount", currency="invoice.currency")
    total = MoneyField(amount="total_amount", currency="invoice.currency")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = InvoiceItem
        fields = [
            "kind",
            "description",
            "orderId",
            "orderReference",
            "externalReference",
            "creditNoteId",
            "creditNoteNumber",
            "net",
            "tax",
            "total",
            "createdAt",
        ]


class InvoiceDetailOut(InvoiceOut):
    items = serializers.SerializerMethodField()

    class Meta(InvoiceOut.Meta):
        fields = [*InvoiceOut.Meta.fields, "items"]

    @extend_schema_field(InvoiceItemOut(many=True))
    def get_items(self, invoice: Invoice) -> list[dict]:
        items = list(invoice.items.all())
        for item in items:
            item.invoice = invoice  # the currency of every amount, without a query per item
        return render_many(InvoiceItemOut, items)


class CreditNoteOut(serializers.ModelSerializer):
    orderId = serializers.UUIDField(source="order_id")
    orderReference = serializers.CharField(source="order.reference")
    refundId = serializers.UUIDField(
        source="refund_id", allow_null=True, help_text="The refund it gives back; null for an amendment's."
    )
    amendmentVersion = serializers.IntegerField(
        source="amendment.number",
        allow_null=True,
        default=None,
        help_text="The order version whose negative balance it gives back; null for a refund's.",
    )
    invoiceId = serializers.IntegerField(
        source="invoice_id", allow_null=True, help_text="The invoice the order was billed on."
    )
    invoiceNumber = serializers.CharField(source="invoice.number", allow_null=True, default=None)
    deductedOnInvoiceId = serializers.IntegerField(
        source="invoice_item.invoice_id", help_text="The invoice whose total the credit reduces."
    )
    net = MoneyField(amount="net_amount")
    tax = MoneyField(amount="tax_amount")
    total = MoneyField(amount="total_amount")
    issuedAt = serializers.DateTimeField(source="issued_at")
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "orderId",
            "orderReference",
            "refundId",
            "amendmentVersion",
            "invoiceId",
            "invoiceNumber",
            "deductedOnInvoiceId",
            "net",
            "tax",
            "total",
            "issuedAt",
            "pdf",
        ]

    def get_pdf(self, note: CreditNote) -> str:
        return reverse("api:credit-note-pdf", args=[note.pk])
