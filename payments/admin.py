"""Money is read-only in the admin: top-ups and refunds go through services (later issues)."""

from django.contrib import admin

from payments.models import LedgerEntry, Payment, Refund, Wallet
from tessera.admin_base import ReadOnlyInline, ReadOnlyModelAdmin, money


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["created_at", "kind", "movement", "after", "reference", "order", "memo", "actor_label"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    movement = staticmethod(money("amount", currency="wallet.currency"))
    after = staticmethod(money("balance_after", currency="wallet.currency", label="balance after"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "wallet")


@admin.register(Wallet)
class WalletAdmin(ReadOnlyModelAdmin):
    list_display = ["partner", money("balance"), "updated_at"]
    list_select_related = ["partner"]
    search_fields = ["partner__name"]
    inlines = [LedgerEntryInline]


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
    list_filter = ["kind"]
    list_select_related = ["wallet__partner", "order"]
    search_fields = ["=reference", "=order__reference"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "method", "status", money("amount"), "provider", "paid_at"]
    list_filter = ["status", "method", "provider"]
    list_select_related = ["order"]
    search_fields = ["=order__reference", "=provider_reference"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "status", "reason", money("amount"), "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["order"]
    search_fields = ["=order__reference"]
