"""The contract between Tessera and a supplier (DESIGN.md §5).

An adapter is constructed for one Supplier row and offers ``reserve``, ``issue``, ``cancel``,
``refund`` and ``status``, and ``ping`` to test the connection. Each of the first five takes the
order line and an idempotency key (the same key for every retry of one operation on one line)
and returns a result or raises a typed error:

* ``RetryableSupplierError``: nothing happened; the same call may be tried again later.
* ``PermanentSupplierError``: the supplier refused; retrying will not help.
* ``SupplierTimeout``: no answer; the outcome is unknown until ``status`` tells.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from suppliers.models import Product, Supplier


class OrderLine(Protocol):
    """What an adapter reads of the line it fulfils: an ``orders.OrderLine``, described here
    because suppliers sit below orders and never import them."""

    pk: object
    position: int
    product: "Product"
    starts_at: datetime | None


class SupplierError(Exception):
    retryable = False

    def __init__(self, message: str, *, code: str = "SUPPLIER_ERROR") -> None:
        super().__init__(message)
        self.code = code


class RetryableSupplierError(SupplierError):
    retryable = True


class PermanentSupplierError(SupplierError):
    pass


class SupplierTimeout(SupplierError):
    """The call's outcome is unknown: the supplier may or may not have done it."""

    retryable = True


@dataclass(frozen=True)
class Reservation:
    reference: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class DeliveredItem:
    """What a supplier delivers for a line. ``code``, ``pin``, ``url`` and ``secret`` are sealed
    at rest; ``secret`` is for Tessera and its staff (e.g. an activation or reference number the
    supplier asks for on support calls), never shown to partners or customers."""

    kind: str  # "ticket" or "code"
    collection_reference: str = ""
    code: str | None = None
    pin: str | None = None
    url: str | None = None
    secret: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def __repr__(self) -> str:
        # Tracebacks and debuggers print dataclasses: keep the secrets out of them.
        return f"DeliveredItem(kind={self.kind!r}, collection_reference={self.collection_reference!r}, …)"


class IssueState(StrEnum):
    ISSUED = "ISSUED"
    PENDING = "PENDING"  # accepted; delivered later (delayed delivery)


@dataclass(frozen=True)
class Issuance:
    state: IssueState
    booking_reference: str
    items: list[DeliveredItem] = field(default_factory=list)


class RemoteState(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    RESERVED = "RESERVED"
    ISSUE_PENDING = "ISSUE_PENDING"
    ISSUED = "ISSUED"
    RELEASED = "RELEASED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True)
class StatusReport:
    state: RemoteState
    reference: str = ""
    items: list[DeliveredItem] = field(default_factory=list)
    reason: str = ""


@dataclass(frozen=True)
class RefundResult:
    refunded: Decimal
    fee: Decimal = Decimal("0")
    reference: str = ""


class SupplierAdapter(Protocol):
    def __init__(self, supplier: "Supplier") -> None: ...

    def reserve(self, line: "OrderLine", *, idempotency_key: str) -> Reservation: ...

    def issue(self, line: "OrderLine", *, idempotency_key: str) -> Issuance: ...

    def cancel(self, line: "OrderLine", *, idempotency_key: str) -> None: ...

    def refund(self, line: "OrderLine", *, idempotency_key: str, amount: Decimal) -> RefundResult: ...

    def status(self, line: "OrderLine", *, idempotency_key: str) -> StatusReport: ...

    def ping(self) -> str:
        """Reach the supplier with this Supplier row's settings (endpoint, credentials) and change
        nothing; a short description of the answer, or a SupplierError (the admin's "test
        connection")."""
        ...
