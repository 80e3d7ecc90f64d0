from tessera.errors import InvalidInput, NotFound


class WalletNotFound(NotFound):
    code = "WALLET_NOT_FOUND"


class InvalidAmount(InvalidInput):
    code = "INVALID_AMOUNT"
