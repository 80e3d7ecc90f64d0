"""After a refund through the provider, the customer's pages tell it: "partial" on the status page,
the refund on the receipt (HTML and PDF), and the refunded line no longer among the tickets."""

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


def test_a_partly_refunded_order_reads_partial_and_its_receipt_shows_the_refund(callbacks, worker):
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
    assert 'id="payment-status">partial<' in text(customer.open("status"))
    receipt = text(customer.open("receipt"))
    assert "Requested by the customer" in receipt and "Succeeded" in receipt
    assert "Refunded</dt><dd>100.00 EUR" in receipt
    assert "Paid after refunds</dt><dd>100.00 EUR" in receipt
    assert customer.open("receipt.pdf").content.startswith(b"%PDF")
    tickets = text(customer.open("tickets"))
    assert second.supplier_booking_ref in tickets
    assert first.supplier_booking_ref not in tickets
