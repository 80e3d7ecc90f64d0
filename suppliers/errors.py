from tessera.errors import InvalidInput, InvalidState, NotFound, TesseraError


class ProductNotFound(NotFound):
    code = "PRODUCT_NOT_FOUND"


class OfferNotFound(NotFound):
    code = "OFFER_NOT_FOUND"


class InvalidQuantity(InvalidInput):
    code = "INVALID_QUANTITY"


class InvalidDenomination(InvalidInput):
    code = "INVALID_DENOMINATION"
    suggested_action = "Choose one of the product's denominations."


class OutOfStock(TesseraError):
    """Too few codes left in Tessera's own stock for an order (the order is not created)."""

    code = "OUT_OF_STOCK"
    fault = "supplier"
    retryable = True
    http_status = 409
    suggested_action = "Order fewer units or another product, or try again later: stock is replenished."


class StockCodeUnavailable(InvalidState):
    """A line's stock code is not where the step needs it (none held, or delivered, or revoked)."""
