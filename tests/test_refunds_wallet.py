"""Refunds of wallet-paid orders: the supplier is asked first, then the wallet is credited.

Given a delivered order paid from the wallet, when a refund is asked and the worker runs, then the
supplier's answer decides what goes back (everything, the lines minus a fee, or nothing), the
lines, the order and the payment move to match, and the wallet's balance equals its ledger.
"""

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent
from orders.services import creation
from payments.models import LedgerEntry, Payment, RefundLine
from payments.services import finalization
from payments.services.refunds import refund_request, refundable_amount
from suppliers.models import SandboxBooking, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.refund_support import assert_wallet_agrees_with_ledger, credits_of, delivered, line_statuses

pytestmark = pytest.mark.django_db(transaction=True)

START = Decimal("1000.00")


def ask(order: Order, line_positions: list[int] | None = None, key: str = "k1"):
    line_ids = None
    if line_positions is not None:
        line_ids = list(order.lines.filter(position__in=line_positions).values_list("pk", flat=True))
    return refund_request(
        order_id=order.pk,
        line_ids=line_ids,
        reason="requested",
        note="customer changed plans",
        actor=Actor.partner(order.partner),
        idempotency_key=key,
    )


def test_full_refund_takes_every_line_back_and_credits_the_whole_payment(wallet_partner, worker):
    # given a delivered order of two tickets of 100.00
    order = delivered(wallet_partner, factories.product(price="100.00"), worker=worker)

    # when every line is refunded
    refund = ask(order)
    assert (refund.status, refund.amount) == ("REQUESTED", Decimal("200.00"))
    worker()

    # then
    refund.refresh_from_db()
    assert (refund.status, refund.amount, refund.supplier_fee, refund.failure_reason) == (
        "SUCCEEDED",
        Decimal("200.00"),
        Decimal("0"),
        "",
    )
    assert line_statuses(order) == {1: "REFUNDED", 2: "REFUNDED"}
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"
    payment = Payment.objects.get(order=order)
    assert payment.status == "REFUNDED"
    assert refundable_amount(payment) == 0
    credit = LedgerEntry.objects.get(order=order, kind="credit")
    assert (credit.amount, credit.reference) == (Decimal("200.00"), f"refund:{refund.pk}")
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == START
    # the supplier took every line back
    bookings = SandboxBooking.objects.filter(line_key__in=[f"line:{line.pk}" for line in order.lines.all()])
    assert list(bookings.values_list("state", flat=True)) == ["REFUNDED", "REFUNDED"]
    trail = list(
        OrderEvent.objects.filter(order=order, subject_type="refund").values_list("transition", "to_status")
    )
    assert trail == [
        ("refund.requested", "REQUESTED"),
        ("refund.supplier_refunded", ""),
        ("refund.processing", "PROCESSING"),
        ("refund.succeeded", "SUCCEEDED"),
    ]


def test_refunding_one_line_then_the_other_moves_order_and_payment_step_by_step(wallet_partner, worker):
    # given
    order = delivered(wallet_partner, factories.product(price="100.00"), worker=worker)

    # when line 1 is refunded
    first = ask(order, [1], key="first")
    worker()

    # then only line 1 and its amount went back
    assert line_statuses(order) == {1: "REFUNDED", 2: "ISSUED"}
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_REFUNDED"
    assert Payment.objects.get(order=order).status == "PARTIALLY_REFUNDED"
    assert list(RefundLine.objects.filter(refund=first).values_list("line__position", "amount")) == [
        (1, Decimal("100.00"))
    ]
    assert credits_of(order) == [Decimal("100.00")]
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == START - Decimal("100.00")

    # when line 2 is refunded too
    ask(order, [2], key="second")
    worker()

    # then
    assert line_statuses(order) == {1: "REFUNDED", 2: "REFUNDED"}
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"
    assert Payment.objects.get(order=order).status == "REFUNDED"
    assert credits_of(order) == [Decimal("100.00"), Decimal("100.00")]
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == START


def test_supplier_refusing_fails_the_refund_and_moves_nothing(wallet_partner, worker):
    # given a fare the supplier will not take back
    order = delivered(wallet_partner, factories.product(behaviour={"refund": "refuse"}), worker=worker)
    balance = assert_wallet_agrees_with_ledger(wallet_partner).balance

    # when
    refund = ask(order)
    worker()

    # then the refund failed with the supplier's reason, and nothing else changed
    refund.refresh_from_db()
    assert refund.status == "FAILED"
    assert "not refundable" in refund.failure_reason
    assert line_statuses(order) == {1: "ISSUED", 2: "ISSUED"}
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    payment = Payment.objects.get(order=order)
    assert payment.status == "PAID"
    assert refundable_amount(payment) == payment.amount
    assert credits_of(order) == []
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == balance
    fail = OrderEvent.objects.get(order=order, subject_type="refund", transition="refund.failed")
    assert (fail.from_status, [r["code"] for r in fail.payload["refused"]]) == (
        "REQUESTED",
        ["NOT_REFUNDABLE", "NOT_REFUNDABLE"],
    )
    # and the lines may be asked for again (a failed refund holds nothing)
    assert ask(order, key="again").status == "REQUESTED"


def test_supplier_fee_is_kept_and_the_rest_goes_back(wallet_partner, worker):
    # given a supplier that keeps 5.00 per ticket
    order = delivered(wallet_partner, factories.product(behaviour={"refund_fee": "5.00"}), worker=worker)

    # when
    refund = ask(order)
    worker()

    # then
    refund.refresh_from_db()
    assert (refund.status, refund.amount, refund.supplier_fee) == (
        "SUCCEEDED",
        Decimal("190.00"),
        Decimal("10.00"),
    )
    assert sorted(refund.refund_lines.values_list("line__position", "amount", "supplier_fee")) == [
        (1, Decimal("95.00"), Decimal("5.00")),
        (2, Decimal("95.00"), Decimal("5.00")),
    ]
    assert credits_of(order) == [Decimal("190.00")]
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == START - Decimal("10.00")
    # every line is back with the supplier, but not all the money came back
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"
    payment = Payment.objects.get(order=order)
    assert payment.status == "PARTIALLY_REFUNDED"
    assert refundable_amount(payment) == Decimal("10.00")


def test_refund_the_supplier_keeps_entirely_succeeds_and_moves_no_money(wallet_partner, worker):
    # given a supplier that keeps the whole price as its fee
    order = delivered(
        wallet_partner, factories.product(price="40.00", behaviour={"refund_fee": "40.00"}), worker=worker
    )
    balance = assert_wallet_agrees_with_ledger(wallet_partner).balance

    # when line 1 is refunded
    refund = ask(order, [1])
    worker()

    # then the refund completed with nothing to send back
    refund.refresh_from_db()
    assert (refund.status, refund.amount, refund.supplier_fee) == (
        "SUCCEEDED",
        Decimal("0"),
        Decimal("40.00"),
    )
    assert line_statuses(order) == {1: "REFUNDED", 2: "ISSUED"}
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_REFUNDED"
    assert Payment.objects.get(order=order).status == "PAID"
    assert credits_of(order) == []
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == balance


def test_a_line_the_supplier_refuses_is_left_out_while_the_others_go_back(wallet_partner, worker):
    # given an order of two products: one refundable, one not
    refundable = factories.product(kind=SupplierKind.EVENT, price="30.00")
    final_sale = factories.product(kind=SupplierKind.EVENT, price="70.00", behaviour={"refund": "refuse"})
    offers = [offer_quote(partner=wallet_partner, product_id=p.pk) for p in (refundable, final_sale)]
    order = creation.order_create(
        partner=wallet_partner, offer_ids=[o.pk for o in offers], actor=Actor.partner(wallet_partner)
    )
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    kept = order.lines.get(product=final_sale).position

    # when both are asked for
    refund = ask(Order.objects.get(pk=order.pk))
    worker()

    # then the refundable line went back; the other stayed, and the refund says why
    refund.refresh_from_db()
    assert (refund.status, refund.amount) == ("SUCCEEDED", Decimal("30.00"))
    assert list(refund.refund_lines.values_list("line__product", flat=True)) == [refundable.pk]
    assert f"line {kept}" in refund.failure_reason
    assert dict(order.lines.values_list("product", "status")) == {
        refundable.pk: "REFUNDED",
        final_sale.pk: "ISSUED",
    }
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_REFUNDED"
    assert credits_of(order) == [Decimal("30.00")]
    assert_wallet_agrees_with_ledger(wallet_partner)
