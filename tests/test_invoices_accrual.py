"""Orders finalized by invoice accrue to the partner's open invoice of the month; wallet orders do not."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orders import queue
from orders.models import Order, OrderEvent
from payments.models import Invoice, InvoiceItem, InvoiceItemKind, InvoiceStatus, Payment
from payments.services import finalization
from payments.services.invoicing import invoice_accrue, invoices_close
from tessera.actors import Actor
from tests import factories
from tests.invoicing_support import STAFF, billed_order, product, reserved_order

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


def test_an_order_finalized_by_invoice_is_charged_on_the_open_invoice_of_its_month(invoice_partner):
    rail, event = product(price="112.00", tax_rate="12"), product(price="54.50", tax_rate="9")

    order = billed_order(invoice_partner, (rail, 1), (event, 2), at=MARCH)

    invoice = Invoice.objects.get(partner=invoice_partner)
    assert (invoice.status, invoice.currency) == (InvoiceStatus.OPEN, "EUR")
    assert (invoice.period_start, invoice.period_end) == (date(2026, 3, 1), date(2026, 4, 1))
    item = InvoiceItem.objects.get(invoice=invoice)
    assert (item.kind, item.order_id, item.description) == ("charge", order.pk, f"Order {order.reference}")
    assert item.total_amount == order.total_amount == Decimal("221.00")
    # VAT is included: 112.00 at 12 % holds 12.00; 109.00 at 9 % holds 9.00.
    assert item.tax_amount == Decimal("21.00")
    assert item.net_amount == Decimal("200.00")


def test_the_payment_of_an_invoiced_order_points_at_its_invoice_item(invoice_partner):
    order = billed_order(invoice_partner, (product(), 1))

    payment = Payment.objects.get(order=order)
    item = InvoiceItem.objects.get(order=order)
    assert (payment.method, payment.status) == ("invoice", "PAID")
    assert payment.provider_reference == f"invoice-item:{item.pk}"


def test_orders_of_one_month_share_one_invoice_and_another_month_gets_its_own(invoice_partner):
    ticket = product()

    billed_order(invoice_partner, (ticket, 1), at=MARCH)
    billed_order(invoice_partner, (ticket, 2), at=datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    billed_order(invoice_partner, (ticket, 1), at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC))

    periods = {
        invoice.period_start: invoice.items.count()
        for invoice in Invoice.objects.filter(partner=invoice_partner)
    }
    assert periods == {date(2026, 3, 1): 2, date(2026, 4, 1): 1}


def test_each_currency_has_its_own_invoice(invoice_partner):
    billed_order(invoice_partner, (product(currency="EUR"), 1), at=MARCH)
    billed_order(invoice_partner, (product(currency="NOK", price="900.00"), 1), at=MARCH)

    assert sorted(Invoice.objects.filter(partner=invoice_partner).values_list("currency", flat=True)) == [
        "EUR",
        "NOK",
    ]


def test_an_order_finalized_by_wallet_accrues_to_no_invoice(db):
    partner = factories.partner(wallet="500.00", invoice=True)
    order = reserved_order(partner, (product(), 1))

    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))

    assert not Invoice.objects.exists()
    assert not InvoiceItem.objects.exists()


def test_an_order_finalized_after_its_month_was_closed_goes_on_the_next_month(invoice_partner):
    """Closing won the race: the March invoice closed while this order was being finalized."""
    ticket = product()
    billed_order(invoice_partner, (ticket, 1), at=MARCH)
    invoices_close(actor=STAFF, today=date(2026, 4, 1))

    late = billed_order(invoice_partner, (ticket, 1), at=datetime(2026, 3, 31, 23, 59, tzinfo=UTC))

    item = InvoiceItem.objects.select_related("invoice").get(order=late)
    assert item.invoice.period_start == date(2026, 4, 1)
    assert item.invoice.status == InvoiceStatus.OPEN


def test_accruing_an_order_twice_keeps_its_one_charge(invoice_partner):
    order = billed_order(invoice_partner, (product(), 1))

    again = invoice_accrue(order=order, actor=STAFF)

    assert InvoiceItem.objects.filter(order=order, kind=InvoiceItemKind.CHARGE).count() == 1
    assert again == InvoiceItem.objects.get(order=order)


def test_accrual_is_on_the_orders_audit_trail(invoice_partner):
    order = billed_order(invoice_partner, (product(price="50.00"), 1), at=MARCH)

    event = OrderEvent.objects.get(order=order, subject_type="invoice")
    assert event.transition == "invoice.accrued"
    assert event.payload == {"period": "2026-03", "total": "50.00", "tax": "0.00"}
    assert event.actor_kind == "partner"


def test_a_finalization_that_fails_after_accrual_leaves_no_invoice_behind(invoice_partner, monkeypatch):
    order = reserved_order(invoice_partner, (product(), 1))

    def supplier_queue_down(line_ids):
        raise RuntimeError("queue down")

    monkeypatch.setattr(queue, "issuance", supplier_queue_down)  # runs after the charge is written
    with pytest.raises(RuntimeError):
        finalization.order_finalize(order_id=order.pk, method="invoice", actor=Actor.partner(invoice_partner))

    assert not Invoice.objects.exists()
    assert not InvoiceItem.objects.exists()
    assert Order.objects.get(pk=order.pk).status == "PENDING"
