"""Which audit events partners are told of, under which public name, and what each carries.

The rule is a deny list: every type of tessera.event_types is partner-visible except those named
in INTERNAL below (retries, staff actions, stock bookkeeping, steps partners see as a status
anyway). A type added to the vocabulary later (an amendment's) is visible by that rule, with its
own name, without an edit here. RENAMED gives the few public names that differ from the internal
ones (the API's order status is PROCESSING after finalizing; an order that fails in issuance is
simply failed).

The payload is thin (Stripe's "thin events"): what happened to which object, its status then,
and the API URL that shows it now. A receiver that needs the whole object reads ``url``; the
event never holds a voucher's code or anything the order's own events in the API do not show.
"""

from django.urls import reverse

from tessera.event_types import EventType

INTERNAL = frozenset(
    {
        EventType.ORDER_DETAILS_UPDATED,
        EventType.ORDER_TRAVELLERS_REPLACED,
        EventType.ORDER_EXPIRY_CHANGED,
        EventType.ORDER_CONFIRMATION_RESENT,
        EventType.ORDER_TICKETS_RESENT,
        EventType.ORDER_STATUS_LINK_SHOWN,
        EventType.ORDER_PARTIALLY_REFUNDED,
        EventType.ORDER_REFUNDED,
        EventType.LINE_RESERVED,
        EventType.LINE_RESERVATION_CONFIRMED,
        EventType.LINE_RESERVATION_RETRIED,
        EventType.LINE_ISSUING,
        EventType.LINE_ISSUANCE_ACCEPTED,
        EventType.LINE_ISSUANCE_RETRIED,
        EventType.LINE_RELEASED,
        EventType.LINE_RELEASE_CONFIRMED,
        EventType.LINE_RELEASE_REFUSED,
        EventType.LINE_RETRY_SCHEDULED,
        EventType.LINE_RETRY_REQUESTED,
        EventType.LINE_RECONCILE_REQUESTED,
        EventType.LINE_REFUNDED,
        EventType.VOUCHER_REVEALED,
        EventType.VOUCHER_REVEAL_REFUSED,
        EventType.VOUCHER_CHECKED,
        EventType.VOUCHER_REVOKED,
        EventType.PAYMENT_CREATED,
        EventType.PAYMENT_STARTED,
        EventType.PAYMENT_PAID_LATE,
        EventType.PAYMENT_PARTIALLY_REFUNDED,
        EventType.PAYMENT_REFUNDED,
        EventType.CHECKOUT_OPENED,
        EventType.CHECKOUT_UPDATED,
        EventType.REFUND_PROCESSING,
        EventType.REFUND_SUPPLIER_REFUNDED,
        EventType.REFUND_SUPPLIER_RETRY_SCHEDULED,
        EventType.REFUND_PROVIDER_ACCEPTED,
        EventType.REFUND_PROVIDER_RETRY_SCHEDULED,
        EventType.INVOICE_ACCRUED,
        EventType.CREDIT_NOTE_ISSUED,
        EventType.STOCK_CODE_ALLOCATED,
        EventType.STOCK_CODE_RELEASED,
        EventType.STOCK_CODE_DELIVERED,
        EventType.STOCK_CODE_BLOCKED,
        EventType.STOCK_CODE_UNBLOCKED,
        EventType.STOCK_CODE_REVOKED,
    }
)

RENAMED = {
    EventType.ORDER_FINALIZED: "order.processing",
    EventType.ORDER_ISSUANCE_FAILED: "order.failed",
}

# Sent by POST /api/v1/webhook-endpoints/{id}/test only; never in the feed.
PING = "ping"


def public_name(event_type: str) -> str | None:
    """The name partners see for an internal type, or None when partners are not told of it."""
    if event_type in INTERNAL:
        return None
    return RENAMED.get(event_type, event_type)


def public_types() -> list[str]:
    """Every public event type, in the vocabulary's order."""
    return [name for member in EventType if (name := public_name(member)) is not None]


def subject_url(subject: str, subject_id: str, order_id) -> str:
    """The API URL that shows the event's object now."""
    if subject == "refund":
        return reverse("api:refund", args=[subject_id])
    if subject == "invoice":
        return reverse("api:invoice", args=[subject_id])
    if subject == "wallet":
        return reverse("api:wallets")
    if subject == "voucher":
        return reverse("api:order-vouchers", args=[order_id])
    return reverse("api:order", args=[order_id])


def order_event_data(event) -> dict:
    """The payload of an OrderEvent's webhook: the object, its status then, its URL."""
    return {
        "object": event.subject_type,
        "id": event.subject_id,
        "orderId": str(event.order_id),
        "status": event.to_status,
        "previousStatus": event.from_status,
        "details": event.payload,
        "url": subject_url(event.subject_type, event.subject_id, event.order_id),
    }
