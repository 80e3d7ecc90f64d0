from tessera.errors import InvalidInput, NotFound


class ProductNotFound(NotFound):
    code = "PRODUCT_NOT_FOUND"


class OfferNotFound(NotFound):
    code = "OFFER_NOT_FOUND"


class InvalidQuantity(InvalidInput):
    code = "INVALID_QUANTITY"


class InvalidDenomination(InvalidInput):
    code = "INVALID_DENOMINATION"
    suggested_action = "Choose one of the product's denominations."
