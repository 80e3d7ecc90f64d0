"""The back office's order page: orders' own page with the order's money, what needs attention
and customer care.

orders.admin registers the order's page as the demand side sees it; payments, the dashboard's
"needs attention" sets and the customer's status link (a checkout page) sit above orders, so the
page that shows them is registered here, on top of it (AdminSite.unregister, then register), with
the same URLs and permissions.
"""

from django.contrib import admin
from django.utils import timezone

from backoffice import attention
from backoffice.admin_actions import AMEND_PERMISSION, confirm_amendments, resend_tickets, reset_amendments
from backoffice.admin_customer_care import OrderCustomerCareMixin
from orders import admin as orders_admin
from orders.admin_actions import reconcile_lines, resend_confirmation, retry_lines
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
class OrderAdmin(OrderCustomerCareMixin, OrderRefundAdminMixin, orders_admin.OrderAdmin):
    list_filter = [*orders_admin.OrderAdmin.list_filter, NeedsAttentionFilter]
    actions = [
        resend_confirmation,
        resend_tickets,
        retry_lines,
        reconcile_lines,
        confirm_amendments,
        reset_amendments,
    ]
    inlines = [
        orders_admin.OrderLineInline,
        orders_admin.TravellerInline,
        orders_admin.OrderVersionInline,
        PaymentInline,
        RefundInline,
        orders_admin.OrderEventInline,
    ]
    transition_pages = {"refund_partially": "admin:orders_order_refund"}

    def has_amend_permission(self, request) -> bool:
        return request.user.has_perm(AMEND_PERMISSION)
