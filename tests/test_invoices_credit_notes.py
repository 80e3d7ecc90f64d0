"""A refund of an invoiced order gets a credit note: its own gapless CN series, VAT split by the
refunded lines' rates, and a credit on the partner's open invoice so the next bill deducts it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders.models import OrderEvent
from payments.models import CreditNote, DocumentSequence, Invoice, InvoiceItem, InvoiceStatus
from payments.services import finalization
from payments.services.invoicing import invoices_close
from tessera.actors import Actor
from tessera.errors import InvalidState
from tests import factories
from tests.invoicing_support import STAFF, billed_order, credit, product, refund_of, reserved_order

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 8, 9, 0, tzinfo=UTC)


def test_a_credit_note_gives_back_the_refund_with_vat_split_by_the_refunded_lines(invoice_partner):
    rail, event = product(price="112.00", tax_rate="12"), product(price="54.50", tax_rate="9")
    order = billed_order(invoice_partner, (rail, 1), (event, 2))

    note = credit(refund_of(order, line_count=2))  # the rail ticket and one event ticket

    assert note.number.startswith(f"CN-{date.today().year}-")
    assert (note.partner, note.order, note.currency) == (invoice_partner, order, "EUR")
    assert note.total_amount == Decimal("166.50")
    assert note.tax_amount == Decimal("12.00") + Decimal("4.50")
    assert note.net_amount == Decimal("150.00")
    assert bytes(note.pdf).startswith(b"%PDF-")


def test_a_refund_with_a_supplier_fee_splits_what_goes_back_in_proportion(invoice_partner):
    rail, event = product(price="100.00", tax_rate="12"), product(price="100.00", tax_rate="9")
    order = billed_order(invoice_partner, (rail, 1), (event, 1))

    note = credit(refund_of(order, amount="150.00"))  # 50.00 kept by the suppliers

    # 75.00 at 12 % holds 8.04; 75.00 at 9 % holds 6.19
    assert note.total_amount == Decimal("150.00")
    assert note.tax_amount == Decimal("8.04") + Decimal("6.19")
    assert note.net_amount == Decimal("150.00") - note.tax_amount


def test_credit_notes_are_numbered_in_their_own_series_without_gaps(db):
    ada, bea = factories.partner(invoice=True), factories.partner(invoice=True)
    ticket = product()
    orders = [billed_order(partner, (ticket, 1), at=MARCH) for partner in (ada, bea, ada)]
    invoices_close(actor=STAFF, today=date(2026, 4, 1))

    numbers = [credit(refund_of(order), at=APRIL).number for order in orders]

    assert numbers == ["CN-2026-00001", "CN-2026-00002", "CN-2026-00003"]
    assert DocumentSequence.objects.get(name="CN-2026").last_value == 3
    assert DocumentSequence.objects.get(name="INV-2026").last_value == 2


def test_the_credit_note_names_the_invoice_the_order_was_billed_on(invoice_partner):
    order = billed_order(invoice_partner, (product(), 1), at=MARCH)
    [march] = invoices_close(actor=STAFF, today=date(2026, 4, 1))

    note = credit(refund_of(order), at=APRIL)

    assert note.invoice == march


def test_the_credit_lands_on_the_open_invoice_and_the_next_bill_deducts_it(invoice_partner):
    ticket = product(price="112.00", tax_rate="12")
    refunded = billed_order(invoice_partner, (ticket, 1), at=MARCH)
    [march] = invoices_close(actor=STAFF, today=date(2026, 4, 1))
    billed_order(invoice_partner, (ticket, 2), at=APRIL)

    note = credit(refund_of(refunded), at=APRIL)

    item = InvoiceItem.objects.select_related("invoice").get(credit_note=note)
    assert (item.kind, item.order_id) == ("credit", refunded.pk)
    assert item.invoice.period_start == date(2026, 4, 1)
    assert (item.net_amount, item.tax_amount, item.total_amount) == (
        Decimal("-100.00"),
        Decimal("-12.00"),
        Decimal("-112.00"),
    )
    [april] = invoices_close(actor=STAFF, today=date(2026, 5, 1))
    assert (april.total_amount, april.tax_amount) == (Decimal("112.00"), Decimal("12.00"))
    assert Invoice.objects.get(pk=march.pk).total_amount == Decimal("112.00")  # unchanged


def test_a_credit_with_no_open_invoice_opens_one_for_the_month(invoice_partner):
    order = billed_order(invoice_partner, (product(), 1), at=MARCH)
    invoices_close(actor=STAFF, today=date(2026, 4, 1))

    note = credit(refund_of(order), at=APRIL)

    april = Invoice.objects.get(partner=invoice_partner, period_start=date(2026, 4, 1))
    assert april.status == InvoiceStatus.OPEN
    assert list(april.items.values_list("credit_note", flat=True)) == [note.pk]


def test_issuing_the_credit_note_of_a_refund_twice_gives_the_same_note(invoice_partner):
    refund = refund_of(billed_order(invoice_partner, (product(), 1)))

    first, again = credit(refund), credit(refund)

    assert first == again
    assert CreditNote.objects.count() == 1
    assert InvoiceItem.objects.filter(kind="credit").count() == 1


def test_a_refund_of_an_order_paid_by_wallet_gets_no_credit_note(db):
    partner = factories.partner(wallet="500.00")
    order = reserved_order(partner, (product(), 1))
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))

    with pytest.raises(InvalidState, match="not billed by invoice"):
        credit(refund_of(order))

    assert not CreditNote.objects.exists()


def test_issuing_a_credit_note_is_on_the_orders_audit_trail(invoice_partner):
    order = billed_order(invoice_partner, (product(price="30.00"), 1))

    note = credit(refund_of(order))

    event = OrderEvent.objects.get(order=order, subject_type="credit_note")
    assert (event.transition, event.subject_id) == ("credit_note.issued", str(note.pk))
    assert event.payload["number"] == note.number
    assert event.payload["total"] == "30.00"
