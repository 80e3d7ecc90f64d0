"""Errors of orders: finding, creating, changing and finalizing them, and their vouchers."""

from tessera.errors import InvalidInput, InvalidState, NotFound, TesseraError


class OrderNotFound(NotFound):
    code = "ORDER_NOT_FOUND"
    title = "Order not found"
    suggested_action = "Check the order id. Other partners' orders are not found either."


class InvalidExpiry(InvalidInput):
    code = "INVALID_EXPIRY"
    title = "expiresAt is not allowed"
    suggested_action = "Give expiresAt with a time zone, in the future and at most six months ahead."


class InvalidTravellers(InvalidInput):
    code = "INVALID_TRAVELLERS"
    title = "Travellers are missing or incomplete"
    suggested_action = (
        "Give every traveller a givenName and familyName, and one traveller per train or flight "
        "ticket (at most 20)."
    )


class CurrencyMismatch(TesseraError):
    code = "CURRENCY_MISMATCH"
    title = "Offers are in different currencies"
    http_status = 400
    fault = "client"
    suggested_action = "Put only offers in one currency into an order. Make one order per currency."


class BillingModeNotAllowed(TesseraError):
    code = "BILLING_MODE_NOT_ALLOWED"
    title = "This billing mode is not enabled for you"
    http_status = 403
    fault = "client"
    suggested_action = "Finalize with a method listed in context.allowed."


class OrderNotEditable(InvalidState):
    code = "ORDER_NOT_EDITABLE"
    title = "Only PENDING orders can be changed"
    suggested_action = "Only PENDING orders can be changed. Read the order."


class OrderNotReady(InvalidState):
    code = "ORDER_NOT_READY"
    title = "Lines are still being reserved"
    retryable = True
    suggested_action = (
        "Some lines are still reserving (context.lines). Poll until finalize is in availableActions, "
        "then finalize with a new Idempotency-Key."
    )


class OrderExpired(InvalidState):
    code = "ORDER_EXPIRED"
    title = "The order has expired"
    suggested_action = "The order expired. Quote fresh offers and create a new order."


class PriceChanged(TesseraError):
    code = "PRICE_CHANGED"
    title = "The total is not the expected total"
    http_status = 409
    fault = "client"
    suggested_action = (
        "The total is not your expectedTotal. Read context.total, and send the request again with it "
        "(new Idempotency-Key) if you accept it."
    )


class TicketsNotIssued(InvalidState):
    """An order has no ticket document until at least one of its lines is issued."""

    code = "TICKETS_NOT_ISSUED"
    title = "Nothing of the order is issued yet"
    retryable = True
    suggested_action = (
        "No line of the order is issued yet (context.status is the order's). Poll the order until a "
        "line is ISSUED, then download the tickets."
    )


class VoucherNotFound(NotFound):
    code = "VOUCHER_NOT_FOUND"
    title = "Voucher not found"
    suggested_action = "Check the voucher id. Other partners' vouchers are not found either."


class VoucherNotRevealable(InvalidState):
    """Secrets are shown only for a delivered (ISSUED) line whose voucher is ACTIVE."""

    code = "VOUCHER_NOT_REVEALABLE"
    title = "The voucher's codes cannot be shown"
    suggested_action = "Codes can be shown once the line is delivered, and never after revocation."


class AmendmentOpen(InvalidState):
    """While a draft version is open, the order takes no other change and no refund."""

    code = "AMENDMENT_OPEN"
    title = "An amendment of the order is open"
    suggested_action = (
        "The order has an open draft version (context.version). Confirm it or reset it, or wait "
        "until it expires (context.expiresAt), then try again."
    )


class OrderNotAmendable(InvalidState):
    code = "ORDER_NOT_AMENDABLE"
    title = "The order cannot be changed this way"
    suggested_action = (
        "Only FULFILLED and PARTIALLY_FULFILLED orders take amendments, only their ISSUED lines "
        "whose product allows it can be removed or exchanged, and only travellers whose issued "
        "tickets' products allow it can be changed (context says what was refused). Read the order."
    )


class VersionNotFound(NotFound):
    code = "VERSION_NOT_FOUND"
    title = "The order has no such confirmed version"
    suggested_action = "Give a version from 1 up to the order's version (GET .../versions lists them)."


class AmendmentExpired(InvalidState):
    code = "AMENDMENT_EXPIRED"
    title = "The amendment has expired"
    suggested_action = (
        "The draft's expiresAt has passed: it is discarded and the order is as it was. Quote fresh "
        "offers and open a new amendment."
    )


class AmendmentNotOpen(InvalidState):
    """The order exists, but holds no open draft of that number (never opened, or confirmed,
    reset or expired since)."""

    code = "AMENDMENT_NOT_OPEN"
    title = "No such open amendment"
    suggested_action = (
        "Check the version number: only the order's open draft (amendment in the order) can be "
        "confirmed or reset; a confirmed version is read with ?version=N."
    )


class UnknownKeyIds(Exception):
    """Stored rows name sealing keys VOUCHER_KEYS does not hold (rotate_voucher_keys refuses).

    An operator's error, never an API answer, so it is not in the error catalog.
    """
