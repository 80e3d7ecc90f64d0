"""Bulk actions of the back office's order list that reach above orders (the money side)."""

from django.contrib import admin

from orders.admin_actions import call_each, chosen_orders, report_outcome
from payments.services.tickets_resend import order_tickets_resend
from tessera.actors import Actor


@admin.action(description="Send the tickets to the customer again (PDF by email)", permissions=["change"])
def resend_tickets(modeladmin, request, queryset) -> None:
    orders = chosen_orders(request, queryset)
    if orders is None:
        return
    actor = Actor.staff(request.user)
    done, refused = call_each(orders, lambda order: order_tickets_resend(order_id=order.pk, actor=actor))
    sent = ", ".join(f"{order.reference} to {address}" for order, address in done)
    report_outcome(request, [f"Tickets sent again: {sent}"] if done else [], refused, nothing="")
