"""The filters of the partner's money lists: invoices, credit notes, an order's refunds, the ledger.

Each is backed by an index or runs within one partner's (or one order's, one wallet's) rows.
"""

from datetime import date

from orders.api.filters import ORDER_ID
from payments.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Refund,
    RefundReason,
    RefundStatus,
)
from tessera.api.filtering import (
    COMPARISON,
    CURRENCY,
    DECIMAL,
    EQUALITY,
    ORDERED,
    TIMESTAMP,
    YEAR_PATTERN,
    OperatorFilter,
    OperatorFilterSet,
    Value,
    choice,
    fits,
)

MONTH_PATTERN = f"{YEAR_PATTERN}-(0[1-9]|1[0-2])"


def parse_month(raw: str) -> date:
    if not fits(MONTH_PATTERN, raw):
        raise ValueError(f"{raw!r} is not a month like 2026-03.")
    return date(int(raw[:4]), int(raw[5:]), 1)


MONTH = Value(parse_month, {"type": "string", "pattern": f"^{MONTH_PATTERN}$"}, MONTH_PATTERN)


class InvoiceFilters(OperatorFilterSet):
    status = OperatorFilter("status", choice(InvoiceStatus.values), EQUALITY, help_text="OPEN or CLOSED.")
    period = OperatorFilter("period_start", MONTH, ORDERED, help_text="The invoice's month, e.g. 2026-03.")
    currency = OperatorFilter("currency", CURRENCY, EQUALITY, help_text="ISO 4217 code.")

    class Meta:
        model = Invoice
        fields = []


class CreditNoteFilters(OperatorFilterSet):
    orderId = OperatorFilter("order_id", ORDER_ID, EQUALITY, help_text="The refunded or amended order's id.")

    class Meta:
        model = CreditNote
        fields = []


class RefundFilters(OperatorFilterSet):
    status = OperatorFilter("status", choice(RefundStatus.values), EQUALITY, help_text="Refund status.")
    reason = OperatorFilter(
        "reason", choice(RefundReason.values), EQUALITY, help_text="Why it was asked for."
    )
    amount = OperatorFilter("amount", DECIMAL, ORDERED, help_text="What goes back, e.g. gte:50.")
    createdAt = OperatorFilter("created_at", TIMESTAMP, COMPARISON, help_text="When it was asked for.")

    class Meta:
        model = Refund
        fields = []


class LedgerFilters(OperatorFilterSet):
    """Only filters an index serves within one wallet: (wallet, created_at) and the order."""

    at = OperatorFilter("created_at", TIMESTAMP, COMPARISON, help_text="When the money moved.")
    orderId = OperatorFilter("order_id", ORDER_ID, EQUALITY, help_text="The order it was for.")

    class Meta:
        model = LedgerEntry
        fields = []
