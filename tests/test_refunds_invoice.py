"""Refunds of invoiced orders: the money goes back as a credit note the next invoice deducts.

Given a delivered order billed by invoice, when lines are refunded and the worker runs, then one
credit note per refund carries what goes back (after any supplier fee), the partner's open
invoice gets the matching credit, and no wallet money moves.
"""

from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import CreditNote, InvoiceItem, LedgerEntry, Payment, Refund
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tests import factories
from tests.refund_support import delivered, line_statuses

pytestmark = pytest.mark.django_db(transaction=True)


def ask(order: Order, positions: list[int] | None = None, key: str = "k"):
    line_ids = None
    if positions is not None:
        line_ids = list(order.lines.filter(position__in=positions).values_list("pk", flat=True))
    return refund_request(
        order_id=order.pk,
        line_ids=line_ids,
        reason="canceled_event",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key=key,
    )


def test_full_refund_of_an_invoiced_order_issues_one_credit_note(invoice_partner, worker):
    # given
    order = delivered(invoice_partner, factories.product(price="60.00"), worker=worker, method="invoice")

    # when
    refund = ask(order)
    worker()

    # then
    refund = Refund.objects.get(pk=refund.pk)
    assert (refund.status, refund.amount) == ("SUCCEEDED", Decimal("120.00"))
    note = CreditNote.objects.get(refund=refund)
    assert (note.order_id, note.partner_id, note.total_amount, note.currency) == (
        order.pk,
        invoice_partner.pk,
        Decimal("120.00"),
        "EUR",
    )
    assert note.number.startswith("CN-")
    credit = InvoiceItem.objects.get(credit_note=note)
    assert (credit.kind, credit.total_amount) == ("credit", Decimal("-120.00"))
    assert line_statuses(order) == {1: "REFUNDED", 2: "REFUNDED"}
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"
    assert Payment.objects.get(order=order).status == "REFUNDED"
    assert not LedgerEntry.objects.filter(order=order).exists()


def test_each_refunded_line_gets_its_own_credit_note_net_of_the_supplier_fee(invoice_partner, worker):
    # given a supplier that keeps 2.50 per ticket
    product = factories.product(price="60.00", behaviour={"refund_fee": "2.50"})
    order = delivered(invoice_partner, product, worker=worker, method="invoice")

    # when the lines are refunded one at a time
    first = ask(order, [1], key="one")
    worker()
    second = ask(order, [2], key="two")
    worker()

    # then
    notes = {
        note.refund_id: note.total_amount
        for note in CreditNote.objects.filter(order=order).order_by("issued_at")
    }
    assert notes == {first.pk: Decimal("57.50"), second.pk: Decimal("57.50")}
    numbers = list(CreditNote.objects.filter(order=order).order_by("number").values_list("number", flat=True))
    assert len(set(numbers)) == 2
    assert Payment.objects.get(order=order).status == "PARTIALLY_REFUNDED"
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"


def test_a_refund_the_supplier_refuses_issues_no_credit_note(invoice_partner, worker):
    order = delivered(
        invoice_partner, factories.product(behaviour={"refund": "refuse"}), worker=worker, method="invoice"
    )

    refund = ask(order)
    worker()

    assert Refund.objects.get(pk=refund.pk).status == "FAILED"
    assert not CreditNote.objects.exists()
    assert not InvoiceItem.objects.filter(kind="credit").exists()
    assert Payment.objects.get(order=order).status == "PAID"
