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


ORDER_TERMINAL = frozenset(
    {OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.FAILED, OrderStatus.REFUNDED}
)
