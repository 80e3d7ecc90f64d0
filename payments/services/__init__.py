"""Use cases of the money side, one module per concern; the public ones are re-exported here."""

from payments.services.collection import payment_collect
from payments.services.refunds import refund_undelivered, refundable_amount
from payments.services.wallets import wallet_book, wallet_ledger_total, wallet_open, wallet_top_up

__all__ = [
    "payment_collect",
    "refund_undelivered",
    "refundable_amount",
    "wallet_book",
    "wallet_ledger_total",
    "wallet_open",
    "wallet_top_up",
]
