"""What a supplier is sent: an order's lines at one supplier as one ``Booking`` of plain data.

Adapters (suppliers/adapters) depend on no model of this app; this module turns order lines
into the ``BookingLine``/``Booking`` data they take, groups lines into bookings, and sends a
booking's call through the supplier's breaker and bulkhead (``booking_call``).
"""

from collections.abc import Callable, Iterable

from orders.models import OrderLine, OrderVersion
from orders.statuses import AmendmentStatus
from suppliers.adapters.base import (
    Booking,
    BookingLine,
    LineResults,
    PermanentSupplierError,
    ReplacedLine,
    SupplierAdapter,
    SupplierError,
    SupplierTimeout,
)
from suppliers.calls import supplier_call
from suppliers.models import Product, StockSource

AMENDMENT_RETURN = "amendment-return"


def booking_line(line: OrderLine) -> BookingLine:
    traveller = line.traveller
    return BookingLine(
        pk=line.pk,
        order_id=line.order_id,
        order_reference=line.order.reference,
        position=line.position,
        product=line.product,
        supplier=line.supplier,
        description=line.description,
        traveller=f"{traveller.given_name} {traveller.family_name}" if traveller else "",
        denomination=line.denomination,
        starts_at=line.starts_at,
        amount=line.amount,
        replaces=(
            ReplacedLine(pk=line.replaces_id, reference=line.replaces.supplier_booking_ref)
            if line.supplier_exchange
            else None
        ),
    )


def exchanges_at_supplier(old: OrderLine, product: Product) -> bool:
    """Whether a new line of ``product`` that replaces the issued line ``old`` goes through the
    supplier's own exchange call: both at one supplier that supports it, neither from Tessera's
    own stock, and the old ticket known to the supplier by its booking reference."""
    supplier = product.supplier
    return (
        supplier.supports_exchange
        and old.supplier_id == supplier.pk
        and product.stock_source != StockSource.INVENTORY
        and old.product.stock_source != StockSource.INVENTORY
        and bool(old.supplier_booking_ref)
    )


def booking_of(
    lines: list[OrderLine], operation: str, *, key: str | None = None, line_keys: dict[int, str] | None = None
) -> Booking:
    """One booking of lines that share an order and a supplier (see ``group_into_bookings``).

    Its key is the same for every retry of ``operation``, whichever of its lines still wait
    (a retry asks about fewer lines, never others); ``key`` replaces it where that does not
    hold. Each line's key is ``line.supplier_key(operation)`` unless ``line_keys`` names it.
    """
    first = lines[0]
    ordered = sorted(lines, key=lambda line: line.position)
    return Booking(
        key=_booking_key(ordered, operation) if key is None else key,
        order_reference=first.order.reference,
        supplier=first.supplier,
        lines=tuple(booking_line(line) for line in ordered),
        line_keys={
            line.pk: (line_keys or {}).get(line.pk) or line.supplier_key(operation) for line in ordered
        },
    )


def _booking_key(lines: list[OrderLine], operation: str) -> str:
    """The booking's key for ``operation``: per order and supplier, and per amendment for the
    lines an amendment adds. Without the amendment in it a supplier would take an amendment's
    reservation for a retry of the order's first one and answer with that one's lines (leaving
    the new lines out). A discarded draft gives its number back, so lines a draft adds are told
    apart by the draft's own id."""
    first = lines[0]
    key = f"tessera:{first.order_id}:{first.supplier_id}:{operation}"
    if first.added_in_version == 1:
        return key
    draft = (
        OrderVersion.objects.filter(order_id=first.order_id, number=first.added_in_version)
        .exclude(status=AmendmentStatus.DISCARDED)
        .values_list("pk", flat=True)
        .first()
    )
    return f"{key}:amendment-{draft}"


def release_booking_of(lines: list[OrderLine]) -> Booking:
    """The cancellation of lines' reservations. Lines of one order may be released at different
    times (one still reserving when its order ended goes later), so the key names the lines:
    a supplier never gets one key with two different sets of lines."""
    first = lines[0]
    return booking_of(
        lines, "cancel", key=f"tessera:{first.order_id}:{first.supplier_id}:cancel:{_names(lines)}"
    )


def return_booking_of(lines: list[OrderLine]) -> Booking:
    """The return (a refund at the supplier) of issued lines a confirmed version gave up. Its key
    names the version, which no other confirmed version has, and the lines, since a version's
    lines may be given back at different times (an exchange its supplier refused to issue returns
    its old line after the others)."""
    first = lines[0]
    key = (
        f"tessera:{first.order_id}:{first.supplier_id}:{AMENDMENT_RETURN}:version-{first.removed_in_version}"
    )
    return booking_of(lines, AMENDMENT_RETURN, key=f"{key}:{_names(lines)}")


def _names(lines: list[OrderLine]) -> str:
    return "-".join(str(line.pk) for line in sorted(lines, key=lambda line: line.pk))


def status_booking_of(lines: list[OrderLine]) -> Booking:
    """The question what became of lines: each line's key names the step it waits on (reserve
    or issue), the key its supplier knows the request by. The booking has no key of its own:
    asking changes nothing."""
    return booking_of(
        lines, "status", key="", line_keys={line.pk: line.supplier_key(line.phase) for line in lines}
    )


def group_into_bookings(lines: Iterable[OrderLine]) -> list[list[OrderLine]]:
    """Lines of one order at one supplier go together; stock lines (Tessera's own codes) apart."""
    groups: dict[tuple, list[OrderLine]] = {}
    for line in lines:
        from_stock = line.product.stock_source == StockSource.INVENTORY
        groups.setdefault((line.order_id, line.supplier_id, from_stock), []).append(line)
    return list(groups.values())


def booking_call[T](
    lines: list[OrderLine], adapter: SupplierAdapter, call: Callable[[], LineResults[T]]
) -> LineResults[T]:
    """A booking's answers, by line, the call sent through the supplier's breaker and bulkhead
    (suppliers.calls; Tessera's own stock needs neither). An error of the whole call is every
    line's error, and a line the answer leaves out is one whose outcome is unknown. Raises
    CallDeferred when the call may not go out now."""
    if lines[0].product.stock_source == StockSource.INVENTORY:
        return _per_line(lines, call)
    return supplier_call(
        lines[0].supplier,
        lambda: _per_line(lines, call),
        healthy=lambda answers: not all(_supplier_unwell(answer) for answer in answers.values()),
        failure_reason=lambda answers: str(next(iter(answers.values()))),
        remote=getattr(adapter, "remote", False),
    )


def _supplier_unwell(answer) -> bool:
    """A timeout, or a busy or unreachable supplier; a refusal is an answer."""
    return isinstance(answer, SupplierError) and not isinstance(answer, PermanentSupplierError)


def _per_line[T](lines: list[OrderLine], call: Callable[[], LineResults[T]]) -> LineResults[T]:
    try:
        answers = call()
    except SupplierError as exc:
        return {line.pk: exc for line in lines}
    missing = SupplierTimeout("The supplier's answer left this line out.")
    return {line.pk: answers.get(line.pk, missing) for line in lines}
