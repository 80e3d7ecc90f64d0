"""Issue 18's sum rule on an invoiced order: after finalizing, an amendment that costs more, one
that gives money back and a refund by amount, the order's invoice items (charges and credit notes'
credits) add up to what the partner paid less what went back, and their VAT to the VAT of the
current version's lines less the VAT the refund gave back from them (exact amounts, so no rounding
hides a difference)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import CreditNote, InvoiceItem, RefundReason
from payments.services.invoicing import invoices_close
from payments.services.refunds import refund_request_amount
from payments.vat import vat_lines
from tessera.actors import Actor
from tessera.money import ZERO
from tests.amendment_invoicing_support import amend, current_lines, delivered_invoice_order
from tests.amendment_support import paid_minus_refunded
from tests.invoicing_support import STAFF, clock, product

pytestmark = pytest.mark.django_db


def test_invoice_items_and_credit_notes_sum_to_paid_less_returned_and_to_the_current_lines_vat(
    invoice_partner,
):
    rail, museum, hotel = (
        product(price="112.00", tax_rate="12"),
        product(price="109.00", tax_rate="9"),
        product(price="125.00", tax_rate="25"),
    )
    with clock(datetime(2026, 3, 10, 9, tzinfo=UTC)):
        # Given an invoiced order of two rail tickets (224.00), finalized
        order = delivered_invoice_order(invoice_partner, (rail, 2))
        # When an amendment adds a museum ticket and a hotel night (+234.00)
        amend(order, add=[museum, hotel])
        # and another removes a rail ticket and the hotel night (-237.00)
        first, _, museum_line, hotel_line = current_lines(order)
        amend(order, remove=[first, hotel_line])
        # and 66.00 of what is left (a rail ticket and the museum ticket) is refunded by amount
        refund_request_amount(
            order_id=order.pk,
            amount="66.00",
            reason=RefundReason.GOODWILL,
            note="",
            actor=Actor.partner(invoice_partner),
            idempotency_key="sum-rule",
        )

    # Then the order's items are: the order, the charge, the two credit notes' credits
    items = list(InvoiceItem.objects.filter(order=order).order_by("created_at", "id"))
    assert [(item.kind, item.total_amount) for item in items] == [
        ("charge", Decimal("224.00")),
        ("charge", Decimal("234.00")),
        ("credit", Decimal("-237.00")),
        ("credit", Decimal("-66.00")),
    ]
    notes = list(CreditNote.objects.filter(order=order))
    assert sorted(note.total_amount for note in notes) == [Decimal("66.00"), Decimal("237.00")]
    assert all(InvoiceItem.objects.get(credit_note=note).total_amount == -note.total_amount for note in notes)
    # and they sum to what was paid less what went back
    assert sum((item.total_amount for item in items), ZERO) == paid_minus_refunded(order) == Decimal("155.00")

    # and their VAT sums to the VAT of the current lines less the refund's, which is spread over
    # those lines only: 66.00 over rail 112.00 and museum 109.00 (33.45 at 12 %, 32.55 at 9 %)
    lines = current_lines(order)
    assert [line.amount for line in lines] == [Decimal("112.00"), Decimal("109.00")]
    left = vat_lines(
        [
            (Decimal("112.00") - Decimal("33.45"), Decimal("12")),
            (Decimal("109.00") - Decimal("32.55"), Decimal("9")),
        ],
        "EUR",
    )
    assert sum((item.tax_amount for item in items), ZERO) == sum((row.tax for row in left), ZERO)
    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))
    assert (invoice.total_amount, invoice.tax_amount) == (
        Decimal("155.00"),
        sum((row.tax for row in left), ZERO),
    )
    assert Order.objects.get(pk=order.pk).total_amount == Decimal("221.00")
