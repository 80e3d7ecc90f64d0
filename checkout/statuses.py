"""The customer's words for an order and its payment.

``payment_status_word`` is the event-ticket seed's vocabulary (none, pending, paid, partial,
cancelled) that docs/api.md maps; the status page keeps it for machines (``data-status``) but
tells people what happened in plain, translated words: a declined card, a payment they
cancelled, a refund on its way.
"""

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.statuses import LineStatus, OrderStatus
from payments.models import LIVE_PAYMENT_STATUSES, Payment, PaymentStatus, RefundReason, RefundStatus

# none, pending, paid, partial, cancelled: docs/api.md and docs/lifecycle.md use these.
PAYMENT_WORDS = {
    PaymentStatus.CREATED: "pending",
    PaymentStatus.PENDING: "pending",
    PaymentStatus.PAID: "paid",
    PaymentStatus.PARTIALLY_REFUNDED: "partial",
    PaymentStatus.REFUNDED: "cancelled",
    PaymentStatus.FAILED: "cancelled",
    PaymentStatus.CANCELED: "cancelled",
}

# What the customer reads about the latest payment.
PAYMENT_SENTENCES = {
    None: _("Not paid yet"),
    PaymentStatus.CREATED: _("Payment started, not finished"),
    PaymentStatus.PENDING: _("Waiting for your bank to confirm"),
    PaymentStatus.PAID: _("Paid"),
    PaymentStatus.PARTIALLY_REFUNDED: _("Paid, partly refunded"),
    PaymentStatus.REFUNDED: _("Refunded in full"),
    PaymentStatus.FAILED: _("Card declined: nothing was charged"),
    PaymentStatus.CANCELED: _("Payment cancelled by you: nothing was charged"),
}

ORDER_WORDS = {
    OrderStatus.PENDING: _("Reserved for you, waiting for payment"),
    OrderStatus.PROCESSING: _("Paid: your tickets are being issued"),
    OrderStatus.FULFILLED: _("Complete: your tickets are ready"),
    OrderStatus.PARTIALLY_FULFILLED: _("Partly delivered: what could not be issued is refunded"),
    OrderStatus.PARTIALLY_REFUNDED: _("Partly refunded"),
    OrderStatus.REFUNDED: _("Refunded"),
    OrderStatus.CANCELED: _("Cancelled"),
    OrderStatus.EXPIRED: _("Expired: the time to pay ran out"),
    OrderStatus.FAILED: _("Failed: nothing could be issued, and any payment is refunded"),
}

LINE_WORDS = {
    LineStatus.RESERVING: _("Being reserved"),
    LineStatus.RESERVED: _("Reserved for you"),
    LineStatus.ISSUING: _("Being issued"),
    LineStatus.ISSUED: _("Ready"),
    LineStatus.FAILED: _("Could not be issued"),
    LineStatus.RELEASED: _("Released"),
    LineStatus.REFUNDED: _("Refunded"),
    LineStatus.UNKNOWN: _("Being checked with the supplier"),
}

REFUND_WORDS = {
    RefundStatus.REQUESTED: _("On its way"),
    RefundStatus.PROCESSING: _("On its way"),
    RefundStatus.SUCCEEDED: _("Refunded"),
    RefundStatus.FAILED: _("Not sent yet: we are retrying"),
}

REFUND_REASON_WORDS = {
    RefundReason.NOT_DELIVERED: _("Not delivered by the supplier"),
    RefundReason.REQUESTED: _("You asked for it"),
    RefundReason.CANCELED_EVENT: _("Event or trip cancelled"),
    RefundReason.GOODWILL: _("Goodwill"),
    RefundReason.DUPLICATE: _("Duplicate order"),
    RefundReason.LATE_PAYMENT: _("Paid after the order could no longer be confirmed"),
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


def payment_sentence(payments: Sequence[Payment]) -> str:
    payment = current_payment(payments)
    return str(PAYMENT_SENTENCES[None if payment is None else payment.status])


def order_status_words(order: Order) -> str:
    return str(ORDER_WORDS[order.status])
