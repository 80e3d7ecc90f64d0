"""The contract between Tessera and a supplier (DESIGN.md §5).

An adapter is constructed for one Supplier row and offers ``reserve``, ``issue``, ``cancel``,
``refund`` and ``status``, and ``ping`` to test the connection. Each of the first five takes a
``BookingLine`` (plain data Tessera builds from an order line; adapters never see Tessera's
models of orders) and an idempotency key (the same key for every retry of one operation on one
line) and returns a result or raises a typed error:

* ``RetryableSupplierError``: nothing happened; the same call may be tried again later.
* ``PermanentSupplierError``: the supplier refused; retrying will not help.
* ``SupplierTimeout``: no answer; the outcome is unknown until ``status`` tells.

Tessera's calls go through the booking methods: ``reserve_booking``, ``issue_booking``,
``cancel_booking`` (releasing), ``status_booking`` (reconciling) and ``refund_booking``, each with
all lines of one order at one supplier in one ``Booking`` (a 7-passenger train is one booking
with one supplier reference), answered line by line (``LineResults``) so partial results stay
possible. An adapter whose supplier works line by line inherits them from ``BooksLineByLine``
(``books_per_order = False``), which calls the one-line method once per line with the line's
key; one that books whole orders sets ``books_per_order`` and answers each booking in one call.

Exchanges (an amendment's new line for an issued one) at a Supplier with ``supports_exchange``
travel in the same bookings: the new line carries ``replaces`` (the old line and its booking
reference). Reserving it holds the new ticket tied to the old one, issuing it is the exchange's
confirmation (the supplier issues the new ticket and cancels the old one itself), and cancelling
it releases the held exchange. Only an adapter whose class says ``exchanges = True`` is sent
such lines (``Supplier.clean``); the others never see ``replaces``.
"""

from collections.abc import Callable, Mapping
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
    price: Decimal | None = None  # an exchange's: what the supplier charges for it, if it says


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
class ReplacedLine:
    """The issued line an exchange gives up, as its supplier knows it."""

    pk: int
    reference: str  # the supplier's booking reference of its ticket


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
    amount: Decimal | None = None  # what the line was sold for (a refund gives it back)
    replaces: ReplacedLine | None = None  # an exchange through the supplier's change call

    def supplier_key(self, operation: str) -> str:
        """The idempotency key of ``operation`` on this line: the same for every retry."""
        return f"tessera:{self.pk}:{operation}"


@dataclass(frozen=True)
class Booking:
    """The lines of one order at one supplier, sent together. ``key`` is the booking's
    idempotency key for the operation (the same for every retry; empty for ``status``, which
    changes nothing); ``line_keys`` each line's own key, by ``BookingLine.pk``."""

    key: str
    order_reference: str
    supplier: "Supplier"
    lines: tuple[BookingLine, ...]
    line_keys: Mapping[int, str]

    def key_of(self, line: BookingLine) -> str:
        return self.line_keys[line.pk]


@dataclass(frozen=True)
class Released:
    """A line's reservation the supplier gave up (or had never made)."""

    reference: str = ""


#: Per line (by ``BookingLine.pk``): what the supplier answered, or the typed error for that line.
type LineResults[T] = dict[int, T | SupplierError]


class SupplierAdapter(Protocol):
    books_per_order: bool

    def __init__(self, supplier: "Supplier") -> None: ...

    def reserve_booking(self, booking: Booking) -> LineResults[Reservation]: ...

    def issue_booking(self, booking: Booking) -> LineResults[Issuance]: ...

    def cancel_booking(self, booking: Booking) -> LineResults[Released]: ...

    def status_booking(self, booking: Booking) -> LineResults[StatusReport]: ...

    def refund_booking(self, booking: Booking) -> LineResults[RefundResult]:
        """Each line's ``amount`` back, less the supplier's fee."""
        ...

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
    """For suppliers that work line by line: a booking is one call per line (``reserve``,
    ``issue``, ``cancel``, ``status``, ``refund``), each with the line's own key, and each line's
    error stays that line's."""

    books_per_order = False

    def reserve_booking(self, booking: Booking) -> LineResults[Reservation]:
        return _each_line(booking, lambda line, key: self.reserve(line, idempotency_key=key))

    def issue_booking(self, booking: Booking) -> LineResults[Issuance]:
        return _each_line(booking, lambda line, key: self.issue(line, idempotency_key=key))

    def cancel_booking(self, booking: Booking) -> LineResults[Released]:
        def cancel(line: BookingLine, key: str) -> Released:
            self.cancel(line, idempotency_key=key)
            return Released()

        return _each_line(booking, cancel)

    def status_booking(self, booking: Booking) -> LineResults[StatusReport]:
        return _each_line(booking, lambda line, key: self.status(line, idempotency_key=key))

    def refund_booking(self, booking: Booking) -> LineResults[RefundResult]:
        return _each_line(
            booking,
            lambda line, key: self.refund(line, idempotency_key=key, amount=line.amount or Decimal(0)),
        )


def _each_line[T](booking: Booking, call: Callable[[BookingLine, str], T]) -> LineResults[T]:
    results: LineResults[T] = {}
    for line in booking.lines:
        try:
            results[line.pk] = call(line, booking.key_of(line))
        except SupplierError as exc:
            results[line.pk] = exc
    return results
