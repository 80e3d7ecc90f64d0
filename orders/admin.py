"""Back-office views of the demand side. Statuses are read-only: only services change them."""

from django.contrib import admin, messages
from django.utils.html import format_html

from orders.models import ApiKey, Order, OrderEvent, OrderLine, Partner, Traveller, Voucher
from orders.services.api_keys import api_key_create, api_key_revoke
from payments.admin_refunds import OrderRefundAdminMixin, RefundInline
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyInline, ReadOnlyModelAdmin, money

STATUS_COLOURS = {
    "PENDING": "#8a6d00",
    "PROCESSING": "#0b5cad",
    "FULFILLED": "#1e7b34",
    "PARTIALLY_FULFILLED": "#7a5c00",
    "PARTIALLY_REFUNDED": "#6b4fa3",
    "REFUNDED": "#6b4fa3",
    "CANCELED": "#555",
    "EXPIRED": "#555",
    "FAILED": "#b00020",
    "RESERVING": "#8a6d00",
    "RESERVED": "#0b5cad",
    "ISSUING": "#0b5cad",
    "ISSUED": "#1e7b34",
    "RELEASED": "#555",
    "UNKNOWN": "#b00020",
}


def status_badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#333")
    return format_html(
        '<span style="color:#fff;background:{};padding:2px 6px;border-radius:3px;'
        'font-size:11px;white-space:nowrap">{}</span>',
        colour,
        status,
    )


class TravellerInline(ReadOnlyInline):
    show_change_link = True
    model = Traveller
    fields = ["position", "given_name", "family_name", "born_on", "email", "external_id"]
    readonly_fields = fields


class OrderLineInline(ReadOnlyInline):
    show_change_link = True
    model = OrderLine
    fields = [
        "position",
        "description",
        "line_status",
        "price",
        "traveller",
        "supplier_booking_ref",
        "failure_reason",
    ]
    readonly_fields = fields

    @admin.display(description="status")
    def line_status(self, line: OrderLine) -> str:
        return status_badge(line.status)

    price = staticmethod(money("amount", label="price"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("traveller")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = [
        "created_at",
        "subject_type",
        "transition",
        "from_status",
        "to_status",
        "actor_kind",
        "actor_label",
        "correlation_id",
    ]
    readonly_fields = fields
    verbose_name_plural = "timeline"


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "currency",
        "allows_wallet",
        "allows_invoice",
        "allows_gateway",
        "is_active",
    ]
    list_filter = ["is_active", "allows_wallet", "allows_invoice", "allows_gateway"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Order)
class OrderAdmin(OrderRefundAdminMixin, ReadOnlyModelAdmin):
    list_display = [
        "reference",
        "partner",
        "badge",
        "payment_method",
        "total",
        "created_at",
        "expires_at",
        "finalized_at",
    ]
    list_filter = ["status", "payment_method", "partner"]
    list_select_related = ["partner"]
    search_fields = ["=reference", "=id", "=external_reference", "=contact_email"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "id",
                    "partner",
                    "status",
                    "total",
                    "payment_method",
                ]
            },
        ),
        ("Contact", {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        ("Partner data", {"fields": ["external_reference", "client_name", "metadata"]}),
        ("Times", {"fields": ["created_at", "updated_at", "expires_at", "finalized_at", "version"]}),
        ("Customer", {"fields": ["order_key"], "classes": ["collapse"]}),
    ]
    readonly_fields = ["total"]
    inlines = [OrderLineInline, TravellerInline, RefundInline, OrderEventInline]

    @admin.display(description="status", ordering="status")
    def badge(self, order: Order) -> str:
        return status_badge(order.status)

    total = staticmethod(money("total_amount", label="total"))


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyModelAdmin):
    list_display = ["__str__", "order", "badge", "supplier", money("amount"), "phase", "updated_at"]
    list_filter = ["status", "phase", "supplier"]
    list_select_related = ["order", "supplier"]
    search_fields = ["=order__reference", "=supplier_booking_ref", "=supplier_reservation_ref"]
    raw_id_fields = ["order", "offer", "product", "supplier", "traveller"]

    @admin.display(description="status", ordering="status")
    def badge(self, line: OrderLine) -> str:
        return status_badge(line.status)


@admin.register(Traveller)
class TravellerAdmin(ReadOnlyModelAdmin):
    list_display = ["__str__", "order", "position", "email"]
    list_select_related = ["order"]
    search_fields = ["=order__reference", "family_name", "email"]
    raw_id_fields = ["order"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyModelAdmin):
    """Secrets stay sealed here: revealing them is a separate, audited permission."""

    list_display = ["id", "line", "kind", "collection_reference", "valid_until", "delivered_at"]
    list_filter = ["kind"]
    list_select_related = ["line"]
    search_fields = ["=collection_reference", "=line__order__reference"]
    fields = [
        "id",
        "line",
        "kind",
        "collection_reference",
        "key_id",
        "valid_from",
        "valid_until",
        "delivered_at",
    ]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "order",
        "subject_type",
        "transition",
        "from_status",
        "to_status",
        "actor_kind",
        "actor_label",
        "correlation_id",
    ]
    list_filter = ["subject_type", "actor_kind", "transition"]
    list_select_related = ["order"]
    search_fields = ["=order__reference", "=correlation_id"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here (shown once, in the confirmation message) and revoked, never edited."""

    list_display = ["partner", "name", "masked", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    search_fields = ["=prefix", "name", "partner__name"]
    fields = ["partner", "name", "masked", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["masked", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="key")
    def masked(self, key: ApiKey) -> str:
        return f"tsk_{key.prefix}_••••" if key.prefix else "shown once, after saving"

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "partner", "name"] if obj else self.readonly_fields

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            return
        key, raw_key = api_key_create(partner=obj.partner, name=obj.name, actor=Actor.staff(request.user))
        obj.pk, obj.prefix, obj.created_at = key.pk, key.prefix, key.created_at
        messages.warning(
            request, f"New API key for {key.partner}: {raw_key} — copy it now, it is not shown again."
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset) -> None:
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key_id=key.pk, actor=Actor.staff(request.user))
        messages.success(request, "Revoked.")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
