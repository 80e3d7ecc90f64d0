"""Invoicing under real concurrency on PostgreSQL: closings at once number each invoice once with
no gaps; first orders of a month at once share one invoice; an order finalized while its month
closes lands on exactly one invoice, and a closed invoice's total is the sum of its items."""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from payments.models import CreditNote, DocumentSequence, Invoice, InvoiceItem, InvoiceStatus
from payments.services import finalization
from payments.services.invoicing import invoices_close
from tessera.actors import Actor
from tests import factories
from tests.invoicing_support import STAFF, billed_order, clock, credit, product, refund_of, reserved_order
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def no_errors(outcomes) -> list:
    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    assert errors == []
    return [outcome.result for outcome in outcomes]


def test_eight_closings_at_once_give_each_invoice_one_number_and_leave_no_gap(db):
    # given twelve partners with an ended March invoice each
    ticket = product()
    for _ in range(12):
        billed_order(factories.partner(invoice=True), (ticket, 1), at=MARCH)

    # when eight closings run at once
    results = no_errors(
        run_concurrently(lambda _: invoices_close(actor=STAFF, today=date(2026, 4, 1)), range(8), threads=8)
    )

    # then each invoice was closed by exactly one of them, and the numbers are 1..12
    closed_by = Counter(invoice.pk for result in results for invoice in result)
    assert len(closed_by) == 12 and set(closed_by.values()) == {1}
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-2026-{n:05d}" for n in range(1, 13)]
    assert DocumentSequence.objects.get(name="INV-2026").last_value == 12
    assert not Invoice.objects.filter(status=InvoiceStatus.OPEN).exists()


def test_first_orders_of_a_month_finalized_at_once_share_one_invoice(invoice_partner):
    # given ten reserved orders of one partner and no invoice yet
    ticket = product(price="10.00")
    order_ids = [reserved_order(invoice_partner, (ticket, 1)).pk for _ in range(10)]
    actor = Actor.partner(invoice_partner)

    # when they are all finalized at once, in March
    with clock(MARCH):
        no_errors(
            run_concurrently(
                lambda order_id: finalization.order_finalize(
                    order_id=order_id, method="invoice", actor=actor
                ),
                order_ids,
                threads=10,
            )
        )

    # then there is one March invoice holding all ten charges
    invoice = Invoice.objects.get(partner=invoice_partner)
    assert invoice.period_start == date(2026, 3, 1)
    assert invoice.items.count() == 10


def test_orders_finalized_while_their_month_closes_land_on_exactly_one_invoice(invoice_partner):
    # given an open March invoice and twelve orders reserved at its very end
    ticket = product(price="10.00")
    billed_order(invoice_partner, (ticket, 1), at=MARCH)
    order_ids = [reserved_order(invoice_partner, (ticket, 1)).pk for _ in range(12)]
    actor = Actor.partner(invoice_partner)

    def act(item):
        if item == "close":
            return invoices_close(actor=STAFF, today=date(2026, 4, 1))
        return finalization.order_finalize(order_id=item, method="invoice", actor=actor)

    # when the orders are finalized while the month is being closed
    with clock(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)):
        no_errors(run_concurrently(act, ["close", *order_ids], threads=7))

    # then every order has one charge; March holds what it held when it closed, April the rest
    charged = Counter(InvoiceItem.objects.filter(order_id__in=order_ids).values_list("order_id", flat=True))
    assert set(charged) == set(order_ids) and set(charged.values()) == {1}
    march = Invoice.objects.get(partner=invoice_partner, period_start=date(2026, 3, 1))
    assert march.status == InvoiceStatus.CLOSED
    assert march.total_amount == march.items.aggregate(total=Sum("total_amount"))["total"]
    assert march.csv.count("\r\n") == march.items.count() + 1
    april = Invoice.objects.filter(partner=invoice_partner, period_start=date(2026, 4, 1)).first()
    later = april.items.count() if april else 0
    assert march.items.count() + later == 13
    assert april is None or april.status == InvoiceStatus.OPEN


def test_credit_notes_issued_at_once_are_numbered_without_gaps(db):
    # given eight invoiced orders of four partners, each refunded
    ticket = product(price="20.00")
    partners = [factories.partner(invoice=True) for _ in range(4)]
    refunds = [refund_of(billed_order(partners[n % 4], (ticket, 1))) for n in range(8)]

    # when their credit notes are issued at once
    notes = no_errors(run_concurrently(lambda refund: credit(refund), refunds, threads=8))

    # then the numbers are 1..8 of this year's series, one credit per note
    year = notes[0].issued_at.year
    assert sorted(note.number for note in notes) == [f"CN-{year}-{n:05d}" for n in range(1, 9)]
    assert CreditNote.objects.count() == 8
    assert InvoiceItem.objects.filter(kind="credit").aggregate(total=Sum("total_amount"))["total"] == Decimal(
        "-160.00"
    )
