"""What a supplier is sent: an order's lines at one supplier as one ``Booking`` of plain data.

Adapters (suppliers/adapters) depend on no model of this app; this module turns order lines
into the ``BookingLine``/``Booking`` data they take, and groups lines into bookings.
"""

from collections.abc import Iterable

from orders.models import OrderLine
from suppliers.adapters.base import Booking, BookingLine
from suppliers.models import StockSource


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
    )


def booking_of(lines: list[OrderLine], operation: str) -> Booking:
    """One booking of lines that share an order and a supplier (see ``group_into_bookings``).
    Its key is the same for every retry of ``operation``, whichever of its lines still wait."""
    first = lines[0]
    return Booking(
        key=f"tessera:{first.order_id}:{first.supplier_id}:{operation}",
        order_reference=first.order.reference,
        supplier=first.supplier,
        lines=tuple(booking_line(line) for line in sorted(lines, key=lambda line: line.position)),
    )


def group_into_bookings(lines: Iterable[OrderLine]) -> list[list[OrderLine]]:
    """Lines of one order at one supplier go together; stock lines (Tessera's own codes) apart."""
    groups: dict[tuple, list[OrderLine]] = {}
    for line in lines:
        from_stock = line.product.stock_source == StockSource.INVENTORY
        groups.setdefault((line.order_id, line.supplier_id, from_stock), []).append(line)
    return list(groups.values())
