"""An amendment of an invoiced order that costs more is a charge on the open invoice whose VAT is
exact per line: the added lines at their rates, less the lines given up at theirs, plus the change
fees at the rates of the lines they were charged for; its description names them."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from payments.models import CreditNote, InvoiceItem
from payments.services.invoicing import invoices_close
from tests.amendment_invoicing_support import amend, current_lines, delivered_invoice_order, fee_product
from tests.invoicing_support import STAFF, clock, product

pytestmark = pytest.mark.django_db


def test_adding_tickets_at_two_rates_charges_each_rates_vat(invoice_partner):
    # Given an invoiced order of one 112.00 ticket at 12 %
    order = delivered_invoice_order(invoice_partner, (product(price="112.00", tax_rate="12"), 1))

    # When an amendment adds a 125.00 ticket at 25 % and a 54.50 one at 9 %
    version = amend(order, add=[product(price="125.00", tax_rate="25"), product(price="54.50", tax_rate="9")])

    # Then the charge is 179.50 holding 25.00 + 4.50 VAT, and no credit note is issued
    item = InvoiceItem.objects.get(amendment=version)
    assert (item.kind, item.total_amount, item.tax_amount, item.net_amount) == (
        "charge",
        Decimal("179.50"),
        Decimal("29.50"),
        Decimal("150.00"),
    )
    assert item.description == f"Order {order.reference}, version 2: added 2 (25 %), 3 (9 %)"
    assert not CreditNote.objects.filter(order=order).exists()


def test_an_exchange_for_a_dearer_ticket_at_another_rate_charges_the_difference_per_rate(invoice_partner):
    # Given an order of a 112.00 ticket at 12 % that costs 11.20 to exchange
    old = fee_product(price="112.00", tax_rate="12", change_fee="11.20")
    with clock(datetime(2026, 3, 10, 9, tzinfo=UTC)):
        order = delivered_invoice_order(invoice_partner, (old, 1))

        # When it is exchanged for a 250.00 ticket at 25 %
        version = amend(order, exchange=[(current_lines(order)[0], product(price="250.00", tax_rate="25"))])

    # Then the charge is 250.00 - 112.00 + 11.20: 50.00 VAT at 25 %, less 12.00 at 12 %, plus the
    # fee's 1.20 at the exchanged line's 12 %
    item = InvoiceItem.objects.get(amendment=version)
    assert (item.kind, item.total_amount, item.tax_amount) == ("charge", Decimal("149.20"), Decimal("39.20"))
    assert item.description == (
        f"Order {order.reference}, version 2: added 2 (25 %); removed 1 (12 %); fees 11.20"
    )
    # and the closed invoice's VAT table holds each rate
    [invoice] = invoices_close(actor=STAFF, today=date(2026, 4, 1))
    assert (invoice.total_amount, invoice.tax_amount) == (
        Decimal("250.00") + Decimal("11.20"),
        Decimal("51.20"),
    )
