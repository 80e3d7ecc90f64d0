"""Refunding an amount instead of lines: money only, at once, capped by what is left of the payment.

Given a delivered order paid by wallet, when staff give back an amount (in the service or the
admin's refund form), then the wallet gets it at once, every line stays ISSUED, the order shows
PARTIALLY_REFUNDED, and no refund ever adds up to more than was paid.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderEvent
from payments.errors import RefundExceedsPayment, RefundNotAllowed
from payments.models import Payment, Refund
from payments.services.refunds import refund_request, refund_request_amount
from tessera.actors import Actor
from tessera.errors import InvalidInput
from tests import factories
from tests.admin_support import delivered_order, form_key, login, order_url, shown
from tests.refund_support import assert_wallet_agrees_with_ledger, credits_of, line_statuses

pytestmark = pytest.mark.django_db(transaction=True)

STAFF = Actor.system("tests")


@pytest.fixture
def order(wallet_partner, worker):
    return delivered_order(wallet_partner, worker=worker)  # two lines of 70.00 EUR


def give_back(order, amount, key="k1"):
    return refund_request_amount(
        order_id=order.pk,
        amount=amount,
        reason="goodwill",
        note="late train",
        actor=STAFF,
        idempotency_key=key,
    )


def test_an_amount_goes_back_at_once_and_the_customer_keeps_every_line(order, wallet_partner):
    refund = give_back(order, "15.50")

    assert (refund.status, refund.amount, refund.lines.count()) == ("SUCCEEDED", Decimal("15.50"), 0)
    assert credits_of(order) == [Decimal("15.50")]
    assert line_statuses(order) == {1: "ISSUED", 2: "ISSUED"}
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_REFUNDED"
    assert Payment.objects.get(order=order).status == "PARTIALLY_REFUNDED"
    created = OrderEvent.objects.get(subject_id=str(refund.pk), transition="refund.requested")
    assert created.payload == {"amount": "15.50", "reason": "goodwill", "lines": []}
    assert_wallet_agrees_with_ledger(wallet_partner)


def test_the_same_key_gives_back_the_same_refund(order):
    first, again = give_back(order, "10.00"), give_back(order, "10.00")

    assert first.pk == again.pk
    assert credits_of(order) == [Decimal("10.00")]


def test_more_than_is_left_is_refused_and_nothing_is_written(order):
    give_back(order, "100.00")

    with pytest.raises(RefundExceedsPayment, match="At most 40.00 EUR"):
        give_back(order, "40.01", key="k2")

    assert Refund.objects.filter(order=order).count() == 1


def test_a_line_refund_after_an_amount_is_capped_by_what_is_left(order, worker):
    give_back(order, "100.00")

    refund = refund_request(
        order_id=order.pk, line_ids=None, reason="requested", note="", actor=STAFF, idempotency_key="lines"
    )
    worker()

    assert Refund.objects.get(pk=refund.pk).amount == Decimal("40.00")
    assert sum(credits_of(order)) == Decimal("140.00")


@pytest.mark.parametrize("amount", ["0", "-5", "10.001", "ten"])
def test_an_amount_that_is_not_money_is_refused(order, amount):
    with pytest.raises(InvalidInput):
        give_back(order, amount)

    assert not Refund.objects.exists()


def test_an_order_not_delivered_cannot_be_refunded(wallet_partner):
    pending = factories.order(owner=wallet_partner, product_obj=factories.product())

    with pytest.raises(RefundNotAllowed):
        give_back(pending, "1.00")


# --- the admin's form ------------------------------------------------------------------------------


def refund_url(order) -> str:
    return reverse("admin:orders_order_refund", args=[order.pk])


def test_the_form_shows_what_is_refundable_and_refunds_an_amount(client, order):
    finance = login(client, "money", role="Finance")
    give_back(order, "20.00")

    page = finance.get(refund_url(order)).content.decode()
    response = finance.post(
        refund_url(order),
        {"amount": "30.00", "reason": "goodwill", "note": "sorry", "key": form_key(page), "confirmed": "yes"},
    )

    assert "Refundable now" in page and "120.00 EUR" in page and 'name="amount"' in page
    assert response.status_code == 302 and response["Location"] == order_url(order)
    refund = Refund.objects.get(requested_by="money")
    assert (refund.amount, refund.note, refund.status) == (Decimal("30.00"), "sorry", "SUCCEEDED")
    assert any("Refund of 30.00 EUR requested for an amount" in message for message in shown(response))


def test_the_form_refuses_lines_and_an_amount_together_or_too_much(client, order):
    finance = login(client, "money", role="Finance")
    key = form_key(finance.get(refund_url(order)).content.decode())
    line = str(order.lines.get(position=1).pk)

    both = finance.post(
        refund_url(order), {"lines": [line], "amount": "5.00", "reason": "goodwill", "key": key}
    )
    too_much = finance.post(
        refund_url(order), {"amount": "140.01", "reason": "goodwill", "key": key, "confirmed": "yes"}
    )

    assert "Refund either lines or an amount, not both." in both.content.decode()
    assert "At most 140.00 EUR" in too_much.content.decode()
    assert not Refund.objects.exists()
