"""What a refund request may ask for: checked under the order's lock, refused clearly, idempotent.

Given orders in various states, when a refund is asked, then it is accepted only for ISSUED lines
of a paid, delivered order that no live refund covers, capped by what is left of the payment;
every refusal is a typed error and writes nothing.
"""

from decimal import Decimal

import pytest
from django.db import transaction

from orders.errors import OrderNotFound
from orders.locks import lock_order
from orders.models import OrderEvent
from payments.errors import LineNotRefundable, RefundExceedsPayment, RefundNotAllowed
from payments.models import Payment, Refund
from payments.services import finalization
from payments.services.refunds import refund_payment_in_full, refund_request, refundable_amount
from suppliers.models import SupplierKind
from tessera.actors import Actor
from tessera.errors import IdempotencyKeyReused, InvalidInput
from tests import factories
from tests.refund_support import delivered

pytestmark = pytest.mark.django_db(transaction=True)


def ask(order, *, line_ids=None, key="key-1", reason="requested", partner_id=None):
    return refund_request(
        order_id=order.pk,
        line_ids=line_ids,
        reason=reason,
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key=key,
        partner_id=partner_id,
    )


def line_id(order, position: int) -> int:
    return order.lines.get(position=position).pk


@pytest.fixture
def order(wallet_partner, worker):
    return delivered(wallet_partner, factories.product(price="100.00"), worker=worker)


def test_the_same_idempotency_key_gives_back_the_same_refund(order):
    first = ask(order, line_ids=[line_id(order, 1)], key="same")

    again = ask(order, line_ids=[line_id(order, 1)], key="same")
    other_body = ask(order, line_ids=None, key="same")

    assert again.pk == first.pk == other_body.pk
    assert Refund.objects.filter(order=order).count() == 1
    assert (
        OrderEvent.objects.filter(order=order, subject_type="refund", transition="refund.requested").count()
        == 1
    )


def test_the_same_key_for_another_order_is_refused(order, wallet_partner, worker):
    ask(order, key="shared")
    second = delivered(wallet_partner, factories.product(price="10.00"), worker=worker)

    with pytest.raises(IdempotencyKeyReused):
        ask(second, key="shared")

    assert not Refund.objects.filter(order=second).exists()


def test_a_line_already_in_a_refund_is_refused_and_the_others_stay_refundable(order):
    ask(order, line_ids=[line_id(order, 1)], key="first")

    with pytest.raises(LineNotRefundable) as refused:
        ask(order, line_ids=[line_id(order, 1), line_id(order, 2)], key="second")

    assert refused.value.context["lines"] == {"1": "The line is already in a refund."}
    assert Refund.objects.filter(order=order).count() == 1
    assert list(ask(order, line_ids=None, key="third").lines.values_list("position", flat=True)) == [2]


def test_nothing_left_to_refund_is_refused(order):
    ask(order, key="all")

    with pytest.raises(LineNotRefundable):
        ask(order, key="more")


def test_a_line_that_was_never_delivered_is_not_refundable(wallet_partner, worker):
    # given a partially delivered order: line 2 FAILED (and was refunded automatically)
    product = factories.product(
        kind=SupplierKind.VOUCHER, denominations=["25.00"], behaviour={"partial": True}
    )
    order = factories.order(owner=wallet_partner, product_obj=product, quantity=2, denomination="25.00")
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()

    # when / then
    with pytest.raises(LineNotRefundable) as refused:
        ask(order, line_ids=[line_id(order, 2)])
    assert "FAILED" in refused.value.context["lines"]["2"]
    assert ask(order, line_ids=[line_id(order, 1)]).amount == Decimal("25.00")


@pytest.mark.parametrize("status", ["PENDING", "PROCESSING"])
def test_an_order_not_yet_delivered_cannot_be_refunded(wallet_partner, worker, status):
    order = factories.order(owner=wallet_partner, product_obj=factories.product(), quantity=1)
    worker()
    if status == "PROCESSING":
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))

    with pytest.raises(RefundNotAllowed) as refused:
        ask(order)

    assert refused.value.context["status"] == status
    assert not Refund.objects.exists()


def test_another_partners_order_is_not_found(order):
    stranger = factories.partner(wallet="10.00")

    with pytest.raises(OrderNotFound):
        ask(order, partner_id=stranger.pk)

    assert not Refund.objects.exists()


def test_lines_of_another_order_are_invalid_input(order, wallet_partner, worker):
    other = delivered(wallet_partner, factories.product(price="10.00"), worker=worker)

    with pytest.raises(InvalidInput) as refused:
        ask(order, line_ids=[line_id(other, 1)])

    assert "lines" in refused.value.context["errors"]


@pytest.mark.parametrize(
    ("reason", "line_ids", "field"),
    [("late_payment", None, "reason"), ("because", None, "reason"), ("requested", [], "lines")],
)
def test_bad_input_is_refused_before_anything_is_written(order, reason, line_ids, field):
    with pytest.raises(InvalidInput) as refused:
        ask(order, reason=reason, line_ids=line_ids)

    assert list(refused.value.context["errors"]) == [field]
    assert not Refund.objects.exists()


def test_the_amount_is_capped_by_what_is_left_of_the_payment(order):
    # given the whole payment already went back (without lines)
    with transaction.atomic():
        locked = lock_order(order.pk)
        payment = Payment.objects.get(order=order)
        whole = refund_payment_in_full(
            order=locked, payment=payment, reason="goodwill", actor=Actor.system("t")
        )
    assert whole.amount == Decimal("200.00")
    assert refundable_amount(Payment.objects.get(order=order)) == 0

    # when the lines are asked for as well
    with pytest.raises(RefundExceedsPayment):
        ask(order)

    # then nothing more is reserved
    assert Refund.objects.filter(order=order).count() == 1
