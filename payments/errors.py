from tessera.errors import InvalidInput, InvalidState, NotFound


class WalletNotFound(NotFound):
    code = "WALLET_NOT_FOUND"


class InvalidAmount(InvalidInput):
    code = "INVALID_AMOUNT"


class RefundNotFound(NotFound):
    code = "REFUND_NOT_FOUND"


class InvoiceNotFound(NotFound):
    code = "INVOICE_NOT_FOUND"


class CreditNoteNotFound(NotFound):
    code = "CREDIT_NOTE_NOT_FOUND"


class InvoiceNotClosed(InvalidState):
    """An open invoice has no number, PDF or CSV yet: they are made when its month is closed."""

    code = "INVOICE_NOT_CLOSED"
    retryable = True
    suggested_action = "Download the PDF and CSV once the invoice is CLOSED (after its month ends)."
