"""Errors of the catalogue: products, offers and Tessera's own stock."""

from tessera.errors import InvalidInput, InvalidState, NotFound, TesseraError


class InvalidQuantity(InvalidInput):
    code = "INVALID_QUANTITY"
    title = "Quantity is out of range"
    suggested_action = "Choose a quantity from 1 to 20."


class InvalidDenomination(InvalidInput):
    code = "INVALID_DENOMINATION"
    title = "Denomination is not offered"
    suggested_action = (
        "Give a voucher denomination that is one of the product's denominations, written exactly "
        "(see Amounts in docs/api.md)."
    )


class ProductNotFound(NotFound):
    code = "PRODUCT_NOT_FOUND"
    title = "Product not found"
    suggested_action = (
        "Check the product id. The product may no longer be sold, so list the products again "
        "(GET /api/v1/products)."
    )


class OfferNotFound(NotFound):
    code = "OFFER_NOT_FOUND"
    title = "Offer not found"
    suggested_action = (
        "Check the offer ids (context.offers lists the missing ones), or quote again with "
        "POST /api/v1/offers."
    )


class OfferExpired(TesseraError):
    code = "OFFER_EXPIRED"
    title = "The offer has expired"
    http_status = 409
    fault = "client"
    suggested_action = (
        "The offer's price no longer holds, or its product is no longer sold. Quote a new offer."
    )


class OfferAlreadyUsed(TesseraError):
    code = "OFFER_ALREADY_USED"
    title = "The offer has already been ordered"
    http_status = 409
    fault = "client"
    suggested_action = "Each offer makes one order. Quote a new offer."


class OutOfStock(TesseraError):
    """Too few codes left in Tessera's own stock for an order (the order is not created)."""

    code = "OUT_OF_STOCK"
    title = "Too few codes are left in stock"
    http_status = 409
    fault = "supplier"
    retryable = True
    suggested_action = (
        "Tessera's stock of the product (context.productId) has fewer codes than you ordered "
        "(context.wanted); nothing was created. Order fewer, or retry later (stock is replenished, and "
        "codes held by orders that are canceled come back)."
    )


class StockCodeUnavailable(InvalidState):
    """A line's stock code is not where the step needs it (none held, or delivered, or revoked)."""
