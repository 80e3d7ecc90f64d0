"""The back office's order page: orders' own page with the order's money and what needs attention.

orders.admin registers the order's page as the demand side sees it; payments and the dashboard's
"needs attention" sets sit above orders, so the page that shows them is registered here, on top of
it (AdminSite.unregister, then register), with the same URLs and permissions.
"""

from django.contrib import admin
from django.utils import timezone

from backoffice import attention
from orders import admin as orders_admin
from orders.models import Order
from payments.admin_refunds import OrderRefundAdminMixin, RefundInline
from payments.models import Payment
from tessera.admin_base import ReadOnlyInline, badge, money


class PaymentInline(ReadOnlyInline):
    model = Payment
    show_change_link = True
    fields = ["created_at", "method", "payment_status", "paid", "provider", "provider_reference", "paid_at"]
    readonly_fields = fields
    payment_status = staticmethod(badge())
    paid = staticmethod(money("amount", label="amount"))
    ordering = ["created_at"]


class NeedsAttentionFilter(admin.SimpleListFilter):
    """What waits for a person (backoffice.attention): the dashboard's figures link here."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("any", "Any of these"), *((kind.key, kind.label) for kind in attention.KINDS)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value != "any" and value not in {kind.key for kind in attention.KINDS}:
            return queryset.none()
        return attention.needing_attention(queryset, value, timezone.now())


admin.site.unregister(Order)


@admin.register(Order)
class OrderAdmin(OrderRefundAdminMixin, orders_admin.OrderAdmin):
    list_filter = [*orders_admin.OrderAdmin.list_filter, NeedsAttentionFilter]
    inlines = [
        orders_admin.OrderLineInline,
        orders_admin.TravellerInline,
        PaymentInline,
        RefundInline,
        orders_admin.OrderEventInline,
    ]
    transition_pages = {"refund_partially": "admin:orders_order_refund"}
