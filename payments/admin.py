"""Money in the back office, read-only: wallets (top-ups through payments.admin_wallets), the
ledger, payments with their provider events, refunds and their progress (payments.admin_refunds),
invoices and credit notes. Every change is a service call."""

from django.contrib import admin, messages
from django.db.models import Q, Sum
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from orders.models import Order, OrderEvent
from payments.admin_refunds import MoneyOwedFilter, RefundLineInline, RefundPermissionMixin, send_money_again
from payments.admin_wallets import LEDGER_SHOWN, LowBalanceFilter, WalletTopUpMixin
from payments.invoice_documents import credit_note_pdf_response, invoice_csv_response, invoice_pdf_response
from payments.models import (
    CreditNote,
    HoldStatus,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    LedgerEntry,
    Payment,
    ProviderEvent,
    Refund,
    Wallet,
)
from payments.services.invoicing import invoices_close
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyInline, ReadOnlyModelAdmin, badge, money
from tessera.admin_display import details, staff_time
from tessera.admin_filters import DateRangeFilter
from tessera.money import ZERO, format_amount


def by_order_or_provider(queryset, term: str):
    """Payments or refunds whose order's reference or provider reference is ``term``, each found
    through an index (the order's id is read first, so the two combine in a BitmapOr)."""
    term = term.strip()
    if not term:
        return queryset
    order_ids = list(Order.objects.filter(reference=term.upper()).values_list("pk", flat=True))
    return queryset.filter(Q(order_id__in=order_ids) | Q(provider_reference=term))


def timeline(subject_type: str, obj) -> str:
    """The audit events of one payment or refund, oldest first, as a small table."""
    events = OrderEvent.objects.filter(
        order_id=obj.order_id, subject_type=subject_type, subject_id=str(obj.pk)
    ).order_by("created_at", "id")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                staff_time(event.created_at),
                event.get_transition_display(),
                f"{event.from_status or '·'} → {event.to_status or '·'}",
                event.actor_label,
                details(event.payload),
            )
            for event in events
        ),
    )
    return format_html(
        '<table class="timeline"><thead><tr><th>when</th><th>what</th><th>from → to</th><th>by</th>'
        "<th>details</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(Wallet)
class WalletAdmin(WalletTopUpMixin, ReadOnlyModelAdmin):
    list_display = ["partner", "currency", money("balance"), money("held"), money("available"), "updated_at"]
    list_filter = [LowBalanceFilter, "currency"]
    list_select_related = ["partner"]
    search_fields = ["partner__name"]
    fields = ["partner", "currency", "current", "on_hold", "spendable", "updated_at", "holds", "ledger"]
    readonly_fields = ["current", "on_hold", "spendable", "holds", "ledger"]
    current = staticmethod(money("balance", label="balance"))
    on_hold = staticmethod(money("held", label="held for instant orders"))
    spendable = staticmethod(money("available", label="available"))

    @admin.display(description="holds now")
    def holds(self, wallet: Wallet) -> str:
        """The instant orders whose totals this wallet holds, newest first."""
        held = wallet.holds.filter(status=HoldStatus.HELD).select_related("order").order_by("-created_at")
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td></tr>',
            (
                (
                    staff_time(hold.created_at),
                    reverse("admin:orders_order_change", args=[hold.order_id]),
                    hold.order.reference,
                    f"{format_amount(hold.amount, wallet.currency)} {wallet.currency}",
                )
                for hold in held[:LEDGER_SHOWN]
            ),
        )
        return format_html(
            "<table><thead><tr><th>since</th><th>order</th><th>amount</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "wallet",
        "kind",
        money("amount", currency="wallet.currency"),
        money("balance_after", currency="wallet.currency", label="balance after"),
        "reference",
        "order",
    ]
    list_filter = ["kind", "wallet", ("created_at", DateRangeFilter)]
    list_select_related = ["wallet__partner", "order"]
    search_fields = ["=reference", "=order__reference"]
    money_currency = "wallet.currency"


class ProviderEventInline(ReadOnlyInline):
    """What the payment provider told Tessera about this payment (callbacks, deduplicated)."""

    model = ProviderEvent
    fk_name = "payment"
    fields = ["received_at", "kind", "event_id", "payload"]
    readonly_fields = fields
    ordering = ["received_at"]
    verbose_name_plural = "provider events"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "method", "payment_status", money("amount"), "provider", "paid_at"]
    list_filter = ["status", "method", ("created_at", DateRangeFilter)]
    list_select_related = ["order"]
    search_fields = ["provider_reference"]
    search_help_text = "The order's reference or the provider's reference (whole)."
    readonly_fields = ["payment_status", "history"]
    inlines = [ProviderEventInline]
    payment_status = staticmethod(badge())

    def get_search_results(self, request, queryset, search_term):
        return by_order_or_provider(queryset, search_term), False

    @admin.display(description="timeline")
    def history(self, payment: Payment) -> str:
        return timeline("payment", payment)


@admin.register(Refund)
class RefundAdmin(RefundPermissionMixin, ReadOnlyModelAdmin):
    list_display = [
        "id",
        "order",
        "refund_status",
        "reason",
        money("amount"),
        money("supplier_fee", label="supplier fee"),
        "failure_reason",
        "created_at",
    ]
    list_filter = ["status", "reason", MoneyOwedFilter]
    list_select_related = ["order"]
    search_fields = ["provider_reference"]
    search_help_text = "The order's reference or the provider's reference (whole)."
    fields = [
        "id",
        "order",
        "payment",
        "amendment",
        "status",
        "reason",
        "note",
        "refunded",
        "kept",
        "provider_reference",
        "failure_reason",
        "requested_by",
        "idempotency_key",
        "created_at",
        "updated_at",
        "progress",
    ]
    readonly_fields = ["refunded", "kept", "refund_status", "progress"]
    refund_status = staticmethod(badge())
    refunded = staticmethod(money("amount", label="amount"))
    kept = staticmethod(money("supplier_fee", label="supplier fee"))
    inlines = [RefundLineInline]
    actions = [send_money_again]

    def get_search_results(self, request, queryset, search_term):
        return by_order_or_provider(queryset, search_term), False

    @admin.display(description="progress")
    def progress(self, refund: Refund) -> str:
        return timeline("refund", refund)


# --- invoices and credit notes ------------------------------------------------------------------


class InvoiceItemInline(ReadOnlyInline):
    model = InvoiceItem
    fields = ["created_at", "kind", "description", "order", "credit_note", "net", "tax", "total"]
    readonly_fields = fields
    net = staticmethod(money("net_amount", currency="invoice.currency", label="net"))
    tax = staticmethod(money("tax_amount", currency="invoice.currency", label="VAT"))
    total = staticmethod(money("total_amount", currency="invoice.currency", label="total"))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("order", "credit_note", "invoice")
            .defer("credit_note__pdf", "invoice__pdf", "invoice__csv")
        )


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyModelAdmin):
    """Invoices close by themselves each month (periodic task); the action closes ended ones now."""

    list_display = ["invoice", "partner", "period", "currency", "status", "total", "closed_at", "documents"]
    list_filter = ["status", "currency", "partner"]
    list_select_related = ["partner"]
    search_fields = ["=number", "partner__name"]
    date_hierarchy = "period_start"
    fields = [
        "number",
        "partner",
        "status",
        "currency",
        "period_start",
        "period_end",
        "net",
        "tax",
        "total",
        "closed_at",
        "documents",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["net", "tax", "total", "documents"]
    inlines = [InvoiceItemInline]
    actions = ["close_ended_periods"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("pdf", "csv")
            .annotate(running_total=Sum("items__total_amount"))
        )

    @admin.display(description="invoice", ordering="number")
    def invoice(self, invoice: Invoice) -> str:
        return invoice.number or "open"

    @admin.display(description="period", ordering="period_start")
    def period(self, invoice: Invoice) -> str:
        return f"{invoice.period_start:%Y-%m}"

    net = staticmethod(money("net_amount", label="net"))
    tax = staticmethod(money("tax_amount", label="VAT"))

    @admin.display(description="total", ordering="total_amount")
    def total(self, invoice: Invoice) -> str:
        if invoice.status == InvoiceStatus.CLOSED:
            return f"{format_amount(invoice.total_amount, invoice.currency)} {invoice.currency}"
        running = getattr(invoice, "running_total", None) or ZERO
        return f"{format_amount(running, invoice.currency)} {invoice.currency} so far"

    @admin.display(description="documents")
    def documents(self, invoice: Invoice) -> str:
        if invoice.status != InvoiceStatus.CLOSED:
            return "made at closing"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">CSV</a>',
            reverse("admin:payments_invoice_pdf", args=[invoice.pk]),
            reverse("admin:payments_invoice_csv", args=[invoice.pk]),
        )

    def get_urls(self):
        documents = [
            path(
                "<int:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="payments_invoice_pdf"
            ),
            path(
                "<int:object_id>/csv/", self.admin_site.admin_view(self.csv_view), name="payments_invoice_csv"
            ),
        ]
        return documents + super().get_urls()

    def _closed(self, request, object_id) -> Invoice:
        invoice = self.get_object(request, str(object_id))
        if invoice is None or not self.has_view_permission(request, invoice):
            raise Http404("No such invoice.")
        if invoice.status != InvoiceStatus.CLOSED:
            raise Http404("An open invoice has no documents yet.")
        return invoice

    def pdf_view(self, request, object_id: int):
        return invoice_pdf_response(self._closed(request, object_id))

    def csv_view(self, request, object_id: int):
        return invoice_csv_response(self._closed(request, object_id))

    @admin.action(description="Close ended periods", permissions=["change"])
    def close_ended_periods(self, request, queryset) -> None:
        closed = invoices_close(
            actor=Actor.staff(request.user), invoice_ids=list(queryset.values_list("pk", flat=True))
        )
        if not closed:
            messages.warning(request, "None of the selected invoices is an open invoice of an ended month.")
            return
        numbers = ", ".join(invoice.number for invoice in closed)
        messages.success(
            request, f"Closed {len(closed)} invoice{'s' if len(closed) != 1 else ''}: {numbers}."
        )


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyModelAdmin):
    list_display = ["number", "partner", "order", "gives_back", "total", "invoice", "issued_at", "document"]
    list_filter = ["currency", "partner"]
    search_fields = ["=number", "=order__reference"]
    date_hierarchy = "issued_at"
    fields = [
        "number",
        "partner",
        "order",
        "refund",
        "amendment",
        "invoice",
        "currency",
        "net",
        "tax",
        "total",
        "issued_at",
        "document",
    ]
    readonly_fields = ["net", "tax", "total", "document"]
    net = staticmethod(money("net_amount", label="net"))
    tax = staticmethod(money("tax_amount", label="VAT"))
    total = staticmethod(money("total_amount", label="total"))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("partner", "order", "invoice", "amendment")
            .defer("pdf", "invoice__pdf", "invoice__csv")
        )

    @admin.display(description="gives back")
    def gives_back(self, note: CreditNote) -> str:
        """A refund, or the amendment (order version) whose negative balance it credits."""
        if note.amendment_id is not None:
            return f"Amendment: version {note.amendment.number}"
        return f"Refund {note.refund_id}"

    @admin.display(description="document")
    def document(self, note: CreditNote) -> str:
        return format_html('<a href="{}">PDF</a>', reverse("admin:payments_creditnote_pdf", args=[note.pk]))

    def get_urls(self):
        pdf = path(
            "<int:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="payments_creditnote_pdf"
        )
        return [pdf, *super().get_urls()]

    def pdf_view(self, request, object_id: int):
        note = self.get_object(request, str(object_id))
        if note is None or not self.has_view_permission(request, note):
            raise Http404("No such credit note.")
        return credit_note_pdf_response(note)
