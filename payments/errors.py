"""Errors of money: wallets, payments, refunds and invoices."""

from tessera.errors import InvalidInput, InvalidState, NotFound, TesseraError


class InvalidAmount(InvalidInput):
    code = "INVALID_AMOUNT"
    title = "Amount is not valid"
    suggested_action = "Give a positive amount with no more decimals than the currency allows."


class InsufficientBalance(TesseraError):
    code = "INSUFFICIENT_BALANCE"
    title = "The wallet balance is too low"
    http_status = 402
    fault = "client"
    retryable = True
    suggested_action = (
        "Top up the wallet (or let orders holding money end), then send the request again with a new "
        "Idempotency-Key. context.available is what you may spend now."
    )


class WalletNotFound(NotFound):
    code = "WALLET_NOT_FOUND"
    title = "Wallet not found"
    suggested_action = "Use a currency you hold a wallet in (see GET /api/v1/wallets)."


class RefundNotFound(NotFound):
    code = "REFUND_NOT_FOUND"
    title = "Refund not found"
    suggested_action = "Check the refund id. Other partners' refunds are not found either."


class InvoiceNotFound(NotFound):
    code = "INVOICE_NOT_FOUND"
    title = "Invoice not found"
    suggested_action = (
        "Check the invoice id (see GET /api/v1/invoices). Other partners' invoices are not found either."
    )


class CreditNoteNotFound(NotFound):
    code = "CREDIT_NOTE_NOT_FOUND"
    title = "Credit note not found"
    suggested_action = "Check the credit note id (see GET /api/v1/credit-notes)."


class UnknownProviderReference(NotFound):
    """A verified callback names a session or refund Tessera does not have."""


class RefundNotAllowed(InvalidState):
    code = "REFUND_NOT_ALLOWED"
    title = "The order cannot be refunded now"
    suggested_action = (
        "The order is not delivered (or has no payment). Refund once refund is in availableActions."
    )


class LineNotRefundable(InvalidState):
    code = "LINE_NOT_REFUNDABLE"
    title = "A line cannot be refunded"
    suggested_action = (
        "A line is not ISSUED, or is already in a refund (context.lines names them). Read the order's "
        "lines and refunds."
    )


class RefundExceedsPayment(InvalidState):
    code = "REFUND_EXCEEDS_PAYMENT"
    title = "Nothing is left of the payment to refund"
    suggested_action = (
        "Everything paid for the order has been refunded or is being refunded. Read the order's refunds."
    )


class InvoiceNotClosed(InvalidState):
    """An open invoice has no number, PDF or CSV yet: they are made when its month is closed."""

    code = "INVOICE_NOT_CLOSED"
    title = "The invoice is still open"
    retryable = True
    suggested_action = (
        "The invoice is still OPEN, so it has no PDF or CSV yet. Ask again once its month is closed "
        "(status CLOSED)."
    )
