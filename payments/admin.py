"""Money is read-only in the admin: top-ups and refunds go through services (later issues)."""

from django.contrib import admin

from payments.models import LedgerEntry, Payment, Refund, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "amount", "balance_after", "reference", "order", "memo", "actor_label"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["partner", "currency", "balance", "updated_at"]
    list_select_related = ["partner"]
    search_fields = ["partner__name"]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "wallet", "kind", "amount", "balance_after", "reference", "order"]
    list_filter = ["kind"]
    list_select_related = ["wallet__partner", "order"]
    search_fields = ["=reference", "=order__reference"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "method", "status", "amount", "currency", "provider", "paid_at"]
    list_filter = ["status", "method", "provider"]
    list_select_related = ["order"]
    search_fields = ["=order__reference", "=provider_reference"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "status", "reason", "amount", "currency", "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["order"]
    search_fields = ["=order__reference"]
