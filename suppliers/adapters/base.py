"""The contract between Tessera and a supplier (DESIGN.md §5).

An adapter is constructed for one Supplier row and offers ``reserve``, ``issue``, ``cancel``,
``refund`` and ``status``, and ``ping`` to test the connection. Each of the first five takes a
``BookingLine`` (plain data Tessera builds from an order line; adapters never see Tessera's
models of orders) and an idempotency key (the same key for every retry of one operation on one
line) and returns a result or raises a typed error:

* ``RetryableSupplierError``: nothing happened; the same call may be tried again later.
* ``PermanentSupplierError``: the supplier refused; retrying will not help.
* ``SupplierTimeout``: no answer; the outcome is unknown until ``status`` tells.

Reserving and issuing go through ``reserve_booking`` and ``issue_booking``: all lines of one
order at one supplier in one ``Booking`` (a 7-passenger train is one booking with one supplier
reference), answered line by line (``LineResults``) so partial results stay possible. An
adapter whose supplier books line by line inherits them from ``BooksLineByLine``, which calls
``reserve``/``issue`` once per line; one that books whole orders sets ``books_per_order`` and
answers the booking in one call.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from suppliers.models import Product, Supplier


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


@dataclass(frozen=True)
class BookingLine:
    """One order line as a supplier sees it: built by orders (orders.bookings), so that adapters
    depend on no model of the orders app."""

    pk: int
    order_id: Any
    order_reference: str
    position: int
    product: "Product"
    supplier: "Supplier"
    description: str = ""
    traveller: str = ""
    denomination: Decimal | None = None
    starts_at: datetime | None = None

    def supplier_key(self, operation: str) -> str:
        """The idempotency key of ``operation`` on this line: the same for every retry."""
        return f"tessera:{self.pk}:{operation}"


@dataclass(frozen=True)
class Booking:
    """The lines of one order at one supplier, sent together. ``key`` is the booking's
    idempotency key for the operation (the same for every retry); each line keeps its own too."""

    key: str
    order_reference: str
    supplier: "Supplier"
    lines: tuple[BookingLine, ...]


#: Per line (by ``BookingLine.pk``): what the supplier answered, or the typed error for that line.
type LineResults[T] = dict[int, T | SupplierError]


class SupplierAdapter(Protocol):
    books_per_order: bool

    def __init__(self, supplier: "Supplier") -> None: ...

    def reserve_booking(self, booking: Booking) -> LineResults[Reservation]: ...

    def issue_booking(self, booking: Booking) -> LineResults[Issuance]: ...

    def reserve(self, line: BookingLine, *, idempotency_key: str) -> Reservation: ...

    def issue(self, line: BookingLine, *, idempotency_key: str) -> Issuance: ...

    def cancel(self, line: BookingLine, *, idempotency_key: str) -> None: ...

    def refund(self, line: BookingLine, *, idempotency_key: str, amount: Decimal) -> RefundResult: ...

    def status(self, line: BookingLine, *, idempotency_key: str) -> StatusReport: ...

    def ping(self) -> str:
        """Reach the supplier with this Supplier row's settings (endpoint, credentials) and change
        nothing; a short description of the answer, or a SupplierError (the admin's "test
        connection")."""
        ...


class BooksLineByLine:
    """For suppliers that book each line on its own: a booking is one ``reserve``/``issue`` call
    per line, each with the line's own key, and each line's error stays that line's."""

    books_per_order = False

    def reserve_booking(self, booking: Booking) -> LineResults[Reservation]:
        return {
            line.pk: _answer(
                lambda line=line: self.reserve(line, idempotency_key=line.supplier_key("reserve"))
            )
            for line in booking.lines
        }

    def issue_booking(self, booking: Booking) -> LineResults[Issuance]:
        return {
            line.pk: _answer(lambda line=line: self.issue(line, idempotency_key=line.supplier_key("issue")))
            for line in booking.lines
        }


def _answer(call):
    try:
        return call()
    except SupplierError as exc:
        return exc
