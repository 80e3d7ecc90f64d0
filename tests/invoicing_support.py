"""Orders billed by invoice through the real services, at a chosen moment, and refunds of them.

Lines are reserved by calling the reservation service directly (what the worker would do), so
these helpers need no worker and run inside an ordinary test transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from unittest import mock

from django.db import transaction

from orders.locks import lock_order
from orders.models import Order
from orders.services import creation, inputs
from orders.services.fulfilment import line_reserve
from payments.models import Refund, RefundLine, RefundReason
from payments.services import finalization
from payments.services.invoicing import credit_note_issue
from suppliers.models import Product, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor
from tessera.pdf import Document
from tests import factories

STAFF = Actor.system("tests")


@contextmanager
def clock(moment: datetime | None) -> Iterator[None]:
    """Every ``timezone.now()`` answers ``moment`` (no change when it is None)."""
    if moment is None:
        yield
        return
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def product(*, price: str = "100.00", tax_rate: str = "0", currency: str = "EUR") -> Product:
    """An event ticket (no traveller needed) at ``price``, with ``tax_rate`` % VAT included."""
    made = factories.product(kind=SupplierKind.EVENT, price=price, currency=currency)
    Product.objects.filter(pk=made.pk).update(tax_rate=Decimal(tax_rate))
    return Product.objects.get(pk=made.pk)


def reserved_order(partner, *lines: tuple[Product, int], external_reference: str = "") -> Order:
    offers = [
        offer_quote(partner=partner, product_id=item.pk, quantity=quantity, denomination=None).pk
        for item, quantity in lines
    ]
    order = creation.order_create(
        partner=partner,
        offer_ids=offers,
        contact=inputs.ContactInput(name="Buyer", email="buyer@example.com"),
        external_reference=external_reference,
        actor=Actor.partner(partner),
    )
    for line_id in order.lines.values_list("pk", flat=True):
        assert line_reserve(line_id=line_id) == "reserved"
    return order


def billed_order(
    partner, *lines: tuple[Product, int], at: datetime | None = None, external_reference: str = ""
) -> Order:
    """An order finalized by invoice (at ``at``, if given): it is now on an invoice."""
    order = reserved_order(partner, *lines, external_reference=external_reference)
    with clock(at):
        finalization.order_finalize(order_id=order.pk, method="invoice", actor=Actor.partner(partner))
    return Order.objects.get(pk=order.pk)


def refund_of(order: Order, *, amount: str | None = None, line_count: int | None = None) -> Refund:
    """A refund of ``line_count`` lines (all by default) as the refunds service records it: each
    line's amount back, or ``amount`` in all (a supplier fee kept)."""
    lines = list(order.lines.order_by("position"))[:line_count]
    wanted = sum((line.amount for line in lines), Decimal("0"))
    payment = order.payments.get()
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        reason=RefundReason.REQUESTED,
        amount=Decimal(amount) if amount is not None else wanted,
        supplier_fee=wanted - Decimal(amount) if amount is not None else Decimal("0"),
        currency=order.currency,
        idempotency_key=f"tests:{order.pk}:{Refund.objects.filter(order=order).count()}",
    )
    RefundLine.objects.bulk_create(RefundLine(refund=refund, line=line, amount=line.amount) for line in lines)
    return refund


def credit(refund: Refund, *, at: datetime | None = None):
    """Issue the refund's credit note the way the refunds service does: under the order's lock."""
    with clock(at), transaction.atomic():
        lock_order(refund.order_id)
        return credit_note_issue(refund=refund, actor=STAFF)


class RecordingDocument(Document):
    """The real PDF writer, remembering the facts and tables it was given."""

    written: list = []

    def facts(self, rows):
        rows = list(rows)
        RecordingDocument.written.append(("facts", rows))
        super().facts(rows)

    def table(self, header, rows, *, numeric_from):
        rows = [list(row) for row in rows]
        RecordingDocument.written.append(("table", [list(header), *rows]))
        super().table(header, rows, numeric_from=numeric_from)
