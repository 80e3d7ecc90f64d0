"""Use cases of the money side, one module per concern; the public ones are re-exported here."""

from payments.services.collection import payment_collect
from payments.services.invoicing import credit_note_issue, invoice_accrue, invoices_close
from payments.services.refunds import (
    refund_payment_in_full,
    refund_request,
    refund_request_amount,
    refund_retry,
    refund_settle,
    refund_undelivered,
    refundable_amount,
)
from payments.services.wallets import wallet_book, wallet_ledger_total, wallet_open, wallet_top_up

__all__ = [
    "credit_note_issue",
    "invoice_accrue",
    "invoices_close",
    "payment_collect",
    "refund_payment_in_full",
    "refund_request",
    "refund_request_amount",
    "refund_retry",
    "refund_settle",
    "refund_undelivered",
    "refundable_amount",
    "wallet_book",
    "wallet_ledger_total",
    "wallet_open",
    "wallet_top_up",
]
