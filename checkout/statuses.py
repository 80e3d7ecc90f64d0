"""The customer's words for an order and its payment (the event-ticket seed's vocabulary)."""

from collections.abc import Sequence

from orders.models import Order
from orders.statuses import LineStatus, OrderStatus
from payments.models import LIVE_PAYMENT_STATUSES, Payment, PaymentStatus

# none, pending, paid, partial, cancelled: the status page and docs/lifecycle.md use these.
PAYMENT_WORDS = {
    PaymentStatus.CREATED: "pending",
    PaymentStatus.PENDING: "pending",
    PaymentStatus.PAID: "paid",
    PaymentStatus.PARTIALLY_REFUNDED: "partial",
    PaymentStatus.REFUNDED: "cancelled",
    PaymentStatus.FAILED: "cancelled",
    PaymentStatus.CANCELED: "cancelled",
}

ORDER_WORDS = {
    OrderStatus.PENDING: "Waiting for payment",
    OrderStatus.PROCESSING: "Paid: your tickets are being issued",
    OrderStatus.FULFILLED: "Complete: your tickets are ready",
    OrderStatus.PARTIALLY_FULFILLED: "Partly delivered: what could not be issued is refunded",
    OrderStatus.PARTIALLY_REFUNDED: "Partly refunded",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.CANCELED: "Cancelled",
    OrderStatus.EXPIRED: "Expired: the time to pay ran out",
    OrderStatus.FAILED: "Failed: nothing could be issued, and any payment is refunded",
}


LINE_WORDS = {
    LineStatus.RESERVING: "Being reserved",
    LineStatus.RESERVED: "Reserved for you",
    LineStatus.ISSUING: "Being issued",
    LineStatus.ISSUED: "Ready",
    LineStatus.FAILED: "Could not be issued",
    LineStatus.RELEASED: "Released",
    LineStatus.REFUNDED: "Refunded",
    LineStatus.UNKNOWN: "Being checked with the supplier",
}


def current_payment(payments: Sequence[Payment]) -> Payment | None:
    """The order's live payment (at most one), else its latest attempt, else None."""
    live = [payment for payment in payments if payment.status in LIVE_PAYMENT_STATUSES]
    if live:
        return live[0]
    return max(payments, key=lambda payment: payment.created_at, default=None)


def payment_status_word(payments: Sequence[Payment]) -> str:
    """none, pending, paid, partial or cancelled for an order's payments.

    A fully refunded payment reads "cancelled": nothing of the order remains paid.
    """
    payment = current_payment(payments)
    return "none" if payment is None else PAYMENT_WORDS[payment.status]


def order_status_words(order: Order) -> str:
    return ORDER_WORDS[order.status]
