"""After a refund through the provider, the customer's pages tell it: the status page says what was
refunded, when, and when the money arrives (the seed's "partial" stays a machine-readable
attribute, never the words a customer reads), the receipt shows the refund (HTML and PDF), and the
refunded line is no longer among the tickets."""

import re

import pytest

from orders.models import OrderLine
from payments.models import Payment, Refund
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tests.gateway_support import Customer, reserved_order

pytestmark = pytest.mark.django_db(transaction=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_partly_refunded_order_shows_the_refund_and_when_it_arrives(callbacks, worker):
    # given a gateway order of two tickets, paid and issued
    order = reserved_order(quantity=2)
    customer = Customer(order)
    customer.come_back(customer.pay("pay"))
    worker()
    first, second = OrderLine.objects.filter(order=order).order_by("position")

    # when the partner refunds one ticket and the provider settles it
    refund_request(
        order_id=order.pk,
        line_ids=[first.pk],
        reason="requested",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key="refund-one-ticket",
    )
    worker()

    # then the money went back for that line through the provider
    assert Refund.objects.get(order=order).status == "SUCCEEDED"
    assert Payment.objects.get(order=order).status == "PARTIALLY_REFUNDED"
    # and the pages say so
    status = text(customer.open("status"))
    assert 'id="payment-status" data-status="partial">Paid, partly refunded<' in status
    assert ">partial<" not in status
    assert "<dt>Refunded</dt><dd>100.00 EUR</dd>" in status
    assert re.search(r'<td data-label="Date"><time datetime="[^"]+">\d+ \w{3} \d{4}</time></td>', status)
    assert "You asked for it" in status
    assert "Refunds go back to the card or account you paid with" in status
    assert "3 to 10 working days" in status
    receipt = text(customer.open("receipt"))
    assert "You asked for it" in receipt and '<td data-label="Status">Refunded</td>' in receipt
    assert 'Refunded</dt><dd id="refunded-total">100.00 EUR' in receipt
    assert "Paid after refunds</dt><dd>100.00 EUR" in receipt
    assert customer.open("receipt.pdf").content.startswith(b"%PDF")
    tickets = text(customer.open("tickets"))
    assert second.supplier_booking_ref in tickets
    assert first.supplier_booking_ref not in tickets
