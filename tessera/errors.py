"""Typed domain errors.

Every error a use case can refuse with is a subclass of ``TesseraError`` carrying a stable
``code``, who is at fault (client, supplier or server) and whether retrying is safe. The API
layer turns them into problem+json bodies; services raise them before writing anything, or
inside ``transaction.atomic()`` so nothing is half-written.
"""

from typing import ClassVar

from django.db import InterfaceError, OperationalError

# The database is restarting, unreachable, or broke the connection mid-operation (OperationalError
# also covers deadlocks and serialization failures): the same work may well succeed shortly. The
# API answers 503 (tessera.api.errors); a worker waits and starts its loop again (db_worker).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class TesseraError(Exception):
    code: ClassVar[str] = "TESSERA_ERROR"
    fault: ClassVar[str] = "server"
    retryable: ClassVar[bool] = False
    http_status: ClassVar[int] = 400
    suggested_action: ClassVar[str] = ""

    def __init__(self, detail: str, **context: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotFound(TesseraError):
    code = "NOT_FOUND"
    fault = "client"
    http_status = 404


class InvalidInput(TesseraError):
    code = "VALIDATION_FAILED"
    fault = "client"
    http_status = 400
    suggested_action = "Correct the request and send it again."


class InvalidState(TesseraError):
    """The object is not in a state that allows this operation."""

    code = "INVALID_STATE"
    fault = "client"
    http_status = 409
    suggested_action = "Read the object's availableActions and status before acting."


class OrderNotEditable(InvalidState):
    code = "ORDER_NOT_EDITABLE"
    suggested_action = "Only PENDING orders can be changed."


class OrderNotReady(InvalidState):
    code = "ORDER_NOT_READY"
    retryable = True
    suggested_action = "Wait until every line is RESERVED, then finalize."


class OrderExpired(InvalidState):
    code = "ORDER_EXPIRED"
    suggested_action = "Create a new order from fresh offers."


class OfferExpired(TesseraError):
    code = "OFFER_EXPIRED"
    fault = "client"
    http_status = 409
    suggested_action = "Quote a new offer."


class OfferAlreadyUsed(TesseraError):
    code = "OFFER_ALREADY_USED"
    fault = "client"
    http_status = 409
    suggested_action = "Quote a new offer for another order."


class PriceChanged(TesseraError):
    code = "PRICE_CHANGED"
    fault = "client"
    http_status = 409
    suggested_action = "Read the order's total and finalize with the new expectedTotal."


class BillingModeNotAllowed(TesseraError):
    code = "BILLING_MODE_NOT_ALLOWED"
    fault = "client"
    http_status = 403
    suggested_action = "Use a billing mode enabled for your account."


class InsufficientBalance(TesseraError):
    code = "INSUFFICIENT_BALANCE"
    fault = "client"
    retryable = True
    http_status = 402
    suggested_action = "Top up the wallet and try again."


class CurrencyMismatch(TesseraError):
    code = "CURRENCY_MISMATCH"
    fault = "client"
    http_status = 400


class RefundNotAllowed(InvalidState):
    code = "REFUND_NOT_ALLOWED"
    suggested_action = "Read the order's status and availableActions: only delivered, paid orders refund."


class LineNotRefundable(InvalidState):
    code = "LINE_NOT_REFUNDABLE"
    suggested_action = "Refund only ISSUED lines that are not already in a refund (context.lines)."


class RefundExceedsPayment(InvalidState):
    code = "REFUND_EXCEEDS_PAYMENT"
    suggested_action = "Read the order's refunds: what was paid has already been refunded."
