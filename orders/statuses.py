"""The vocabularies of the lifecycle (DESIGN.md §3)."""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    PROCESSING = "PROCESSING", "Processing"
    FULFILLED = "FULFILLED", "Fulfilled"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED", "Partially fulfilled"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", "Partially refunded"
    REFUNDED = "REFUNDED", "Refunded"
    CANCELED = "CANCELED", "Canceled"
    EXPIRED = "EXPIRED", "Expired"
    FAILED = "FAILED", "Failed"


class LineStatus(models.TextChoices):
    RESERVING = "RESERVING", "Reserving"
    RESERVED = "RESERVED", "Reserved"
    ISSUING = "ISSUING", "Issuing"
    ISSUED = "ISSUED", "Issued"
    FAILED = "FAILED", "Failed"
    RELEASED = "RELEASED", "Released"
    REFUNDED = "REFUNDED", "Refunded"
    UNKNOWN = "UNKNOWN", "Unknown"
    REMOVED = "REMOVED", "Removed by an amendment"


class AmendmentStatus(models.TextChoices):
    """A version of an order (seed 002): a DRAFT is confirmed or discarded, never both."""

    DRAFT = "DRAFT", "Draft"
    CONFIRMED = "CONFIRMED", "Confirmed"
    DISCARDED = "DISCARDED", "Discarded"


class LinePhase(models.TextChoices):
    """Which supplier call a line is waiting on; tells what an UNKNOWN line must resolve to."""

    RESERVE = "reserve", "Reserve"
    ISSUE = "issue", "Issue"


class BillingMode(models.TextChoices):
    WALLET = "wallet", "Wallet credits"
    INVOICE = "invoice", "Monthly invoice"
    GATEWAY = "gateway", "Payment gateway"


class ActorKind(models.TextChoices):
    STAFF = "staff", "Staff"
    PARTNER = "partner", "Partner"
    SYSTEM = "system", "System"


class VoucherKind(models.TextChoices):
    TICKET = "ticket", "Ticket"
    CODE = "code", "Voucher code"


class VoucherStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    REVOKED = "REVOKED", "Revoked"


class LineSubStatus(models.TextChoices):
    """Where a line's delivery stands inside its status (seed 003's sub-statuses)."""

    NONE = "", "—"
    VENDOR_ORDER_PENDING = "vendor_order_pending", "Vendor order pending"
    VENDOR_ORDER_CREATED = "vendor_order_created", "Vendor order created"
    VOUCHER_FETCH_PENDING = "voucher_fetch_pending", "Waiting for the vendor to release the voucher"
    VOUCHER_FETCHED = "voucher_fetched", "Voucher fetched"
    STOCK_ALLOCATED = "stock_allocated", "Code allocated from stock"


# A line the supplier accepted for delayed delivery, whose voucher is still to be fetched.
DELAYED_SUB_STATUSES = frozenset({LineSubStatus.VENDOR_ORDER_CREATED, LineSubStatus.VOUCHER_FETCH_PENDING})

ORDER_TERMINAL = frozenset(
    {OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.FAILED, OrderStatus.REFUNDED}
)
