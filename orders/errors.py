"""Errors of the orders domain (the shared ones live in tessera.errors)."""

from tessera.errors import InvalidInput, NotFound


class OrderNotFound(NotFound):
    code = "ORDER_NOT_FOUND"


class InvalidExpiry(InvalidInput):
    code = "INVALID_EXPIRY"
    suggested_action = "Choose a time in the future and at most six months ahead."


class InvalidTravellers(InvalidInput):
    code = "INVALID_TRAVELLERS"
