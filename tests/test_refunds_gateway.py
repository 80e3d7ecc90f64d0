"""Refunds of gateway payments: the provider sends the money back, asynchronously.

Given a delivered order paid through a payment provider, when lines are refunded, then after the
supplier takes them back the refund goes to the provider once (PROCESSING) and ends SUCCEEDED or
FAILED when the provider says so (callback or reconcile sweep). A FAILED one leaves the money
owed, visibly, until staff send it again.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from orders.events import apply_transition
from orders.locks import lock_order
from orders.models import Order, OrderEvent
from payments import refund_selectors
from payments.models import Payment, Refund
from payments.providers.base import ProviderError, RefundState
from payments.services.refund_processing import refunds_reconcile_due
from payments.services.refunds import (
    refund_payment_in_full,
    refund_request,
    refund_retry,
    refund_settle,
    refundable_amount,
)
from suppliers.models import SupplierKind
from tessera.actors import Actor
from tessera.errors import InvalidState
from tests import factories
from tests.refund_support import FAKE_PROVIDER, delivered_by_gateway, line_statuses, reset_script

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER = Actor.system("provider:tests")


@pytest.fixture
def script():
    yield reset_script()
    reset_script()


@pytest.fixture
def order(worker, script):
    partner = factories.partner(gateway=True)
    return delivered_by_gateway(partner, factories.product(price="80.00"), worker=worker)


def ask(order: Order, positions: list[int] | None = None, key: str = "k") -> Refund:
    line_ids = None
    if positions is not None:
        line_ids = list(order.lines.filter(position__in=positions).values_list("pk", flat=True))
    return refund_request(
        order_id=order.pk,
        line_ids=line_ids,
        reason="requested",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key=key,
    )


def test_refund_goes_to_the_provider_once_and_succeeds_on_its_word(order, worker, script):
    # when every line is refunded
    refund = ask(order)
    worker()

    # then the supplier took the lines back and the provider has the refund, once
    refund.refresh_from_db()
    assert refund.status == "PROCESSING"
    assert script.calls == [(f"refund:{refund.pk}", Decimal("160.00"))]
    assert refund.provider_reference == f"fake-refund:{refund.pk}"
    assert line_statuses(order) == {1: "REFUNDED", 2: "REFUNDED"}
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"
    # the money has not gone back yet, so the payment has not moved
    assert Payment.objects.get(order=order).status == "PAID"

    # when the provider's callback says it succeeded, twice
    refund_settle(refund_id=refund.pk, state="SUCCEEDED", actor=PROVIDER)
    refund_settle(refund_id=refund.pk, state="SUCCEEDED", actor=PROVIDER)

    # then
    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"
    assert Payment.objects.get(order=order).status == "REFUNDED"
    assert OrderEvent.objects.filter(subject_id=str(refund.pk), transition="refund.succeeded").count() == 1
    assert (
        OrderEvent.objects.filter(order=order, subject_type="payment", transition="payment.refunded").count()
        == 1
    )


def test_the_payment_follows_only_the_money_that_went_back(order, worker, script):
    # given two refunds at the provider, one line each
    first, second = ask(order, [1], key="one"), ask(order, [2], key="two")
    worker()

    # when the first comes back
    refund_settle(refund_id=first.pk, state="SUCCEEDED", actor=PROVIDER)

    # then the payment is partially refunded, although nothing is left to reserve
    payment = Payment.objects.get(order=order)
    assert (payment.status, refundable_amount(payment)) == ("PARTIALLY_REFUNDED", 0)

    # when the second comes back too
    refund_settle(refund_id=second.pk, state="SUCCEEDED", actor=PROVIDER)

    # then
    assert Payment.objects.get(order=order).status == "REFUNDED"


def test_a_refund_the_provider_fails_leaves_the_money_owed_until_staff_send_it_again(order, worker, script):
    # given a refund at the provider
    refund = ask(order)
    worker()

    # when the provider reports it failed
    refund_settle(refund_id=refund.pk, state="FAILED", reason="account closed", actor=PROVIDER)

    # then the lines stay refunded at the supplier, the money is owed, and that is visible
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("FAILED", "account closed")
    assert line_statuses(order) == {1: "REFUNDED", 2: "REFUNDED"}
    payment = Payment.objects.get(order=order)
    assert (payment.status, refundable_amount(payment)) == ("PAID", Decimal("160.00"))
    fail = OrderEvent.objects.get(subject_id=str(refund.pk), transition="refund.failed")
    assert (fail.from_status, fail.payload["moneyOwed"]) == ("PROCESSING", "160.00 EUR")
    assert list(refund_selectors.owing_money(Refund.objects.all())) == [refund]

    # when staff send it again, twice
    again = refund_retry(refund_id=refund.pk, actor=Actor.system("staff"))
    assert refund_retry(refund_id=refund.pk, actor=Actor.system("staff")).pk == again.pk
    worker()

    # then a new refund of the same lines went to the provider with its own key
    again.refresh_from_db()
    assert (again.status, again.amount, again.reason) == ("PROCESSING", Decimal("160.00"), "requested")
    assert sorted(again.lines.values_list("position", flat=True)) == [1, 2]
    assert [key for key, _ in script.calls] == [f"refund:{refund.pk}", f"refund:{again.pk}"]
    assert list(refund_selectors.owing_money(Refund.objects.all())) == []
    refund_settle(refund_id=again.pk, state="SUCCEEDED", actor=PROVIDER)
    assert Payment.objects.get(order=order).status == "REFUNDED"


def test_a_refund_refused_by_the_supplier_owes_nothing_and_cannot_be_sent_again(worker, script):
    partner = factories.partner(gateway=True)
    order = delivered_by_gateway(partner, factories.product(behaviour={"refund": "refuse"}), worker=worker)
    refund = ask(order)
    worker()

    assert Refund.objects.get(pk=refund.pk).status == "FAILED"
    assert script.calls == []
    assert list(refund_selectors.owing_money(Refund.objects.all())) == []
    with pytest.raises(InvalidState):
        refund_retry(refund_id=refund.pk, actor=Actor.system("staff"))


def test_a_provider_that_refuses_at_once_fails_the_refund(order, worker, script):
    script.error = ProviderError("Card account closed", code="CLOSED", retryable=False)

    refund = ask(order)
    worker()

    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("FAILED", "Card account closed")
    assert list(refund_selectors.owing_money(Refund.objects.all())) == [refund]


def test_a_provider_out_of_reach_is_asked_again_with_the_same_key(order, worker, script):
    # given a provider that cannot be reached the first time
    script.unreachable = 1

    # when
    refund = ask(order)
    worker()

    # then the second try reached it, with the same key
    refund.refresh_from_db()
    assert (refund.status, refund.provider_reference) == ("PROCESSING", f"fake-refund:{refund.pk}")
    assert [key for key, _ in script.calls] == [f"refund:{refund.pk}"] * 2
    retry = OrderEvent.objects.get(subject_id=str(refund.pk), transition="refund.provider_retry_scheduled")
    assert retry.payload["attempt"] == 1


def test_the_sweep_asks_the_provider_about_refunds_processing_for_over_a_minute(order, worker, script):
    # given a refund the provider accepted but has not settled
    refund = ask(order)
    worker()
    assert Refund.objects.get(pk=refund.pk).status == "PROCESSING"

    # when nothing is heard for a while, then the provider says it succeeded
    assert refunds_reconcile_due() == {"process": 0, "check": 0}  # too recent to ask
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    script.status = RefundState.SUCCEEDED
    assert refunds_reconcile_due() == {"process": 0, "check": 1}
    worker()

    # then
    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"
    assert Payment.objects.get(order=order).status == "REFUNDED"


def test_the_sweep_settles_a_failure_the_provider_reports(order, worker, script):
    refund = ask(order)
    worker()
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    script.status = RefundState.FAILED

    refunds_reconcile_due()
    worker()

    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("FAILED", "bank says no")


def test_a_late_payment_goes_back_whole_straight_to_the_provider_once(worker, script):
    # given a PENDING order whose gateway payment was captured when it could no longer be finalized
    partner = factories.partner(gateway=True)
    order = factories.order(owner=partner, product_obj=factories.product(price="80.00"), quantity=1)
    worker()
    payment = Payment.objects.create(
        order=order,
        method="gateway",
        amount=order.total_amount,
        currency="EUR",
        provider=FAKE_PROVIDER,
        idempotency_key="late",
    )
    with transaction.atomic():
        apply_transition(payment, "start", actor=PROVIDER)
        apply_transition(payment, "capture", actor=PROVIDER, at=timezone.now())

    # when the money is returned in full, twice (a repeated callback)
    refunds = []
    for _ in range(2):
        with transaction.atomic():
            locked = lock_order(order.pk)
            refunds.append(
                refund_payment_in_full(order=locked, payment=payment, reason="late_payment", actor=PROVIDER)
            )
    worker()

    # then one refund of the whole payment, without lines, went to the provider once
    assert refunds[0].pk == refunds[1].pk
    refund = Refund.objects.get(pk=refunds[0].pk)
    assert (refund.status, refund.amount, refund.reason, refund.lines.count()) == (
        "PROCESSING",
        Decimal("80.00"),
        "late_payment",
        0,
    )
    assert script.calls == [(f"refund:{refund.pk}", Decimal("80.00"))]
    assert Order.objects.get(pk=order.pk).status == "PENDING"


def test_undelivered_lines_of_a_gateway_order_go_back_through_the_provider(worker, script):
    # given a gateway order whose supplier delivers only every other voucher
    partner = factories.partner(gateway=True)
    product = factories.product(
        kind=SupplierKind.VOUCHER, denominations=["25.00"], behaviour={"partial": True}
    )
    order = delivered_by_gateway(partner, product, worker=worker, quantity=4, denomination="25.00")

    # then the failed half went to the provider automatically
    assert order.status == "PARTIALLY_FULFILLED"
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.reason, refund.amount) == ("PROCESSING", "not_delivered", Decimal("50.00"))
    assert script.calls == [(f"refund:{refund.pk}", Decimal("50.00"))]
    refund_settle(refund_id=refund.pk, state="SUCCEEDED", actor=PROVIDER)
    assert Payment.objects.get(order=order).status == "PARTIALLY_REFUNDED"
