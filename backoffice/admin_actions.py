"""Bulk actions of the back office's order list that reach above orders (the money side)."""

from django.contrib import admin

from orders.admin_actions import call_each, chosen_orders, report_outcome, resend_each
from orders.selectors import open_drafts_of_orders
from orders.services.amendments import amendment_reset
from orders.statuses import AmendmentStatus
from payments.services.amendment_confirmation import amendment_confirm
from payments.services.tickets_resend import order_tickets_resend
from tessera.actors import Actor

#: Confirming an amendment moves money, so it needs what refunds need (Finance).
AMEND_PERMISSION = "payments.add_refund"


@admin.action(description="Send the tickets to the customer again (PDF by email)", permissions=["change"])
def resend_tickets(modeladmin, request, queryset) -> None:
    resend_each(request, queryset, order_tickets_resend, what="Tickets")


@admin.action(
    description="Confirm the open amendment (pays or gives back its balance)", permissions=["amend"]
)
def confirm_amendments(modeladmin, request, queryset) -> None:
    """Confirm each chosen order's open draft at the balance it shows (the versions table)."""
    orders = chosen_orders(request, queryset)
    if orders is None:
        return
    actor = Actor.staff(request.user)
    done, refused = call_each(
        open_drafts_of_orders(orders),
        lambda draft: amendment_confirm(
            order_id=draft.order_id, number=draft.number, expected_balance=draft.balance, actor=actor
        ),
    )
    confirmed = [
        f"{draft.order.reference} version {draft.number} "
        + ("confirmed" if version.status == AmendmentStatus.CONFIRMED else "waits for the customer's payment")
        for draft, version in done
    ]
    report_outcome(request, confirmed, refused, nothing="No chosen order has an open amendment.")


@admin.action(description="Reset the open amendment (release what it reserved)", permissions=["amend"])
def reset_amendments(modeladmin, request, queryset) -> None:
    orders = chosen_orders(request, queryset)
    if orders is None:
        return
    actor = Actor.staff(request.user)
    done, refused = call_each(
        open_drafts_of_orders(orders),
        lambda draft: amendment_reset(order_id=draft.order_id, number=draft.number, actor=actor),
    )
    reset = [f"{draft.order.reference} version {draft.number} reset" for draft, _ in done]
    report_outcome(request, reset, refused, nothing="No chosen order has an open amendment.")
