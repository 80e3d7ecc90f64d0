"""Bulk actions of the back office's order list that reach above orders (the money side)."""

from django.contrib import admin

from orders.admin_actions import resend_each
from payments.services.tickets_resend import order_tickets_resend


@admin.action(description="Send the tickets to the customer again (PDF by email)", permissions=["change"])
def resend_tickets(modeladmin, request, queryset) -> None:
    resend_each(request, queryset, order_tickets_resend, what="Tickets")
