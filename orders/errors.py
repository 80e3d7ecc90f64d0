"""Errors of the orders domain (the shared ones live in tessera.errors)."""

from tessera.errors import InvalidInput, InvalidState, NotFound, TesseraError


class OrderNotFound(NotFound):
    code = "ORDER_NOT_FOUND"


class InvalidExpiry(InvalidInput):
    code = "INVALID_EXPIRY"
    suggested_action = "Choose a time in the future and at most six months ahead."


class InvalidTravellers(InvalidInput):
    code = "INVALID_TRAVELLERS"


class IdempotencyKeyReused(TesseraError):
    code = "IDEMPOTENCY_KEY_REUSED"
    fault = "client"
    http_status = 422
    suggested_action = "Use a new Idempotency-Key for a different request."


class IdempotencyKeyInUse(TesseraError):
    code = "IDEMPOTENCY_KEY_IN_USE"
    fault = "client"
    retryable = True
    http_status = 409
    suggested_action = "Retry after Retry-After seconds with the same Idempotency-Key."
    retry_after = 1


class VoucherNotFound(NotFound):
    code = "VOUCHER_NOT_FOUND"


class VoucherNotRevealable(InvalidState):
    """Secrets are shown only for a delivered (ISSUED) line whose voucher is ACTIVE."""

    code = "VOUCHER_NOT_REVEALABLE"
    suggested_action = "Codes can be shown once the line is delivered, and never after revocation."


class TicketsNotIssued(InvalidState):
    """An order has no ticket document until at least one of its lines is issued."""

    code = "TICKETS_NOT_ISSUED"
    retryable = True
    suggested_action = "Poll the order until a line is ISSUED, then download the tickets."
