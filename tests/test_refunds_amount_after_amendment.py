"""A refund by amount of an amended invoiced order spreads its VAT over the lines of the order's
current version only: not over the lines an amendment removed, and over those it added."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from payments.models import CreditNote, InvoiceItem, RefundReason
from payments.services.invoicing import invoices_close
from payments.services.refunds import refund_request_amount
from tessera.actors import Actor
from tests.amendment_invoicing_support import amend, current_lines, delivered_invoice_order
from tests.invoicing_support import STAFF, clock, product

pytestmark = pytest.mark.django_db


def test_a_refund_by_amount_after_an_exchange_takes_its_vat_from_the_current_lines_only(invoice_partner):
    # Given an order of a 112.00 ticket at 12 %, exchanged for a 125.00 ticket at 25 %
    with clock(datetime(2026, 3, 10, 9, tzinfo=UTC)):
        order = delivered_invoice_order(invoice_partner, (product(price="112.00", tax_rate="12"), 1))
        amend(order, exchange=[(current_lines(order)[0], product(price="125.00", tax_rate="25"))])

        # When 50.00 of it is refunded by amount
        refund = refund_request_amount(
            order_id=order.pk,
            amount="50.00",
            reason=RefundReason.GOODWILL,
            note="",
            actor=Actor.partner(invoice_partner),
            idempotency_key="goodwill-1",
        )

    # Then its credit note holds 25 % VAT only (10.00), none at the removed line's 12 %
    note = CreditNote.objects.get(refund=refund)
    assert (note.total_amount, note.tax_amount, note.net_amount) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("40.00"),
    )
    assert InvoiceItem.objects.get(credit_note=note).tax_amount == Decimal("-10.00")
    # and the closed invoice recomputes the same VAT: 12.00 - 12.00 + 25.00 - 10.00
    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))
    assert (invoice.total_amount, invoice.tax_amount) == (Decimal("75.00"), Decimal("15.00"))


def test_a_refund_by_amount_after_adding_a_ticket_spreads_over_the_added_line_too(invoice_partner):
    # Given an order of a 112.00 ticket at 12 % to which a 112.50 ticket at 25 % was added
    order = delivered_invoice_order(invoice_partner, (product(price="112.00", tax_rate="12"), 1))
    amend(order, add=[product(price="112.50", tax_rate="25")])

    # When 224.50, all of it, is refunded by amount
    refund = refund_request_amount(
        order_id=order.pk,
        amount="224.50",
        reason=RefundReason.GOODWILL,
        note="",
        actor=Actor.partner(invoice_partner),
        idempotency_key="goodwill-2",
    )

    # Then its VAT is each line's: 12.00 at 12 % and 22.50 at 25 %
    assert CreditNote.objects.get(refund=refund).tax_amount == Decimal("34.50")
