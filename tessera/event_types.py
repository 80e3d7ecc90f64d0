"""The audit vocabulary: every type of event an order's trail can hold, as a partner reads it.

A type is ``<subject>.<what happened>``: the subject is the kind of record it is about (order,
line, payment, refund, voucher, checkout, invoice, credit_note, stock_code, wallet, wallet_hold),
the same word as the event's ``subject_type``; what happened is a past participle or the status reached, in
snake_case (``order.finalized``, ``line.issued``, ``refund.supplier_retry_scheduled``). Partners'
webhooks carry these names (webhooks.catalog maps the few that differ), so a type is never
renamed without a data migration.

Each FSM transition names its type in ``custom={"event": ...}`` of its ``@transition``
(``transition_events``); the other events have one small function each in their app's
``events.py``. OrderEvent.transition is constrained to these values (choices and a CheckConstraint).
"""

from functools import cache

from django.apps import apps
from django.db import models
from django_fsm import FSMFieldMixin


class EventType(models.TextChoices):
    ORDER_CREATED = "order.created", "Order created"
    ORDER_DETAILS_UPDATED = "order.details_updated", "Order details changed"
    ORDER_TRAVELLERS_REPLACED = "order.travellers_replaced", "Travellers replaced"
    ORDER_EXPIRY_CHANGED = "order.expiry_changed", "Expiry changed"
    ORDER_CONFIRMATION_RESENT = "order.confirmation_resent", "Confirmation e-mail sent again"
    ORDER_TICKETS_RESENT = "order.tickets_resent", "Tickets e-mailed again"
    ORDER_STATUS_LINK_SHOWN = "order.status_link_shown", "Customer's status link shown to staff"
    ORDER_RESERVED = "order.reserved", "Every line reserved"
    ORDER_FINALIZED = "order.finalized", "Order finalized"
    ORDER_CANCELED = "order.canceled", "Order canceled"
    ORDER_EXPIRED = "order.expired", "Order expired"
    ORDER_RESERVATION_FAILED = "order.reservation_failed", "Order failed in reservation"
    ORDER_ISSUANCE_FAILED = "order.issuance_failed", "Order failed in issuance"
    ORDER_FULFILLED = "order.fulfilled", "Order fulfilled"
    ORDER_PARTIALLY_FULFILLED = "order.partially_fulfilled", "Order partially fulfilled"
    ORDER_PARTIALLY_REFUNDED = "order.partially_refunded", "Order partially refunded"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    ORDER_AMENDED = "order.amended", "Order amended: new lines issuing"

    LINE_RESERVED = "line.reserved", "Line reserved"
    LINE_RESERVATION_CONFIRMED = "line.reservation_confirmed", "Line found reserved at the supplier"
    LINE_RESERVATION_RETRIED = "line.reservation_retried", "Reservation retried"
    LINE_ISSUING = "line.issuing", "Line issuing"
    LINE_ISSUANCE_ACCEPTED = "line.issuance_accepted", "Issuance accepted, delivery delayed"
    LINE_ISSUANCE_RETRIED = "line.issuance_retried", "Issuance retried"
    LINE_ISSUED = "line.issued", "Line issued"
    LINE_UNKNOWN = "line.unknown", "Line outcome unknown"
    LINE_FAILED = "line.failed", "Line failed"
    LINE_RELEASED = "line.released", "Line released"
    LINE_RELEASE_CONFIRMED = "line.release_confirmed", "Release confirmed by the supplier"
    LINE_RELEASE_REFUSED = "line.release_refused", "Release refused by the supplier"
    LINE_RETRY_SCHEDULED = "line.retry_scheduled", "Supplier call to be retried"
    LINE_RETRY_REQUESTED = "line.retry_requested", "Retry asked for by staff"
    LINE_RECONCILE_REQUESTED = "line.reconcile_requested", "Check with the supplier asked for by staff"
    LINE_REFUNDED = "line.refunded", "Line refunded"
    LINE_ADDED = "line.added", "Line added by an amendment"
    LINE_REMOVED = "line.removed", "Line removed by an amendment"
    LINE_EXCHANGED = "line.exchanged", "Line exchanged by an amendment"
    LINE_RETURN_CONFIRMED = "line.return_confirmed", "Removed line taken back by the supplier"
    LINE_RETURN_REFUSED = "line.return_refused", "Removed line refused by the supplier"
    LINE_EXCHANGE_CONFIRMED = (
        "line.exchange_confirmed",
        "Exchanged line cancelled by the supplier's change call",
    )

    AMENDMENT_OPENED = "amendment.opened", "Amendment opened"
    AMENDMENT_CONFIRMED = "amendment.confirmed", "Amendment confirmed"
    AMENDMENT_RESET = "amendment.reset", "Amendment reset"
    AMENDMENT_EXPIRED = "amendment.expired", "Amendment expired"
    AMENDMENT_LINE_FAILED = "amendment.line_failed", "Line failed out of the amendment"
    AMENDMENT_EXPIRY_CHANGED = "amendment.expiry_changed", "Amendment's expiry changed"
    TRAVELLER_CHANGED = "traveller.changed", "Traveller's details changed by an amendment"

    VOUCHER_DELIVERED = "voucher.delivered", "Voucher delivered"
    VOUCHER_REVEALED = "voucher.revealed", "Voucher codes shown"
    VOUCHER_REVEAL_REFUSED = "voucher.reveal_refused", "Showing voucher codes refused"
    VOUCHER_CHECKED = "voucher.checked", "Ticket checked"
    VOUCHER_REVOKED = "voucher.revoked", "Voucher revoked"

    PAYMENT_CREATED = "payment.created", "Payment created"
    PAYMENT_STARTED = "payment.started", "Payment started"
    PAYMENT_PAID = "payment.paid", "Payment paid"
    PAYMENT_PAID_LATE = "payment.paid_late", "Payment paid after it was given up"
    PAYMENT_FAILED = "payment.failed", "Payment failed"
    PAYMENT_CANCELED = "payment.canceled", "Payment canceled"
    PAYMENT_PARTIALLY_REFUNDED = "payment.partially_refunded", "Payment partially refunded"
    PAYMENT_REFUNDED = "payment.refunded", "Payment refunded"

    CHECKOUT_OPENED = "checkout.opened", "Checkout opened"
    CHECKOUT_UPDATED = "checkout.updated", "Checkout updated"

    REFUND_REQUESTED = "refund.requested", "Refund requested"
    REFUND_PROCESSING = "refund.processing", "Refund processing"
    REFUND_SUPPLIER_REFUNDED = "refund.supplier_refunded", "Refunded by the supplier"
    REFUND_SUPPLIER_RETRY_SCHEDULED = "refund.supplier_retry_scheduled", "Supplier refund to be retried"
    REFUND_PROVIDER_ACCEPTED = "refund.provider_accepted", "Accepted by the payment provider"
    REFUND_PROVIDER_RETRY_SCHEDULED = "refund.provider_retry_scheduled", "Provider refund to be retried"
    REFUND_SUCCEEDED = "refund.succeeded", "Refund succeeded"
    REFUND_FAILED = "refund.failed", "Refund failed"

    INVOICE_ACCRUED = "invoice.accrued", "Order added to the invoice"
    INVOICE_CLOSED = "invoice.closed", "Invoice closed"
    CREDIT_NOTE_ISSUED = "credit_note.issued", "Credit note issued"

    STOCK_CODE_ALLOCATED = "stock_code.allocated", "Stock code allocated"
    STOCK_CODE_RELEASED = "stock_code.released", "Stock code released"
    STOCK_CODE_DELIVERED = "stock_code.delivered", "Stock code delivered"
    STOCK_CODE_BLOCKED = "stock_code.blocked", "Stock code blocked"
    STOCK_CODE_UNBLOCKED = "stock_code.unblocked", "Stock code unblocked"
    STOCK_CODE_REVOKED = "stock_code.revoked", "Stock code revoked"

    WALLET_TOPPED_UP = "wallet.topped_up", "Wallet topped up"
    WALLET_HOLD_PLACED = "wallet_hold.placed", "Order total held on the wallet"
    WALLET_HOLD_CAPTURED = "wallet_hold.captured", "Held amount debited from the wallet"
    WALLET_HOLD_RELEASED = "wallet_hold.released", "Held amount released to the wallet"

    @property
    def subject(self) -> str:
        """The kind of record the event is about: an OrderEvent's ``subject_type``."""
        return self.value.partition(".")[0]


# Types of the vocabulary that belong to no order, so no order's trail holds them: the wallet's
# ledger and the invoice record them, and payments announces them (payments.signals) for the
# partners' webhooks.
NOT_IN_ORDER_TRAILS = frozenset({EventType.INVOICE_CLOSED, EventType.WALLET_TOPPED_UP})


@cache
def transition_events(model: type[models.Model]) -> dict[str, EventType]:
    """Each transition of ``model``'s status to the event type its ``@transition`` names."""
    field = model._meta.get_field("status")
    return {
        transition.name: EventType(transition.custom["event"])
        for transition in field.get_all_transitions(model)
    }


def models_with_lifecycles() -> list[type[models.Model]]:
    """Every installed model whose ``status`` is a django-fsm field."""
    return [
        model
        for model in apps.get_models()
        if any(isinstance(field, FSMFieldMixin) and field.name == "status" for field in model._meta.fields)
    ]


def transition_event_types() -> set[EventType]:
    """The types written by status changes; the others are written by events.py functions."""
    return {event for model in models_with_lifecycles() for event in transition_events(model).values()}
