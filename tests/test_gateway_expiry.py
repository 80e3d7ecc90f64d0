"""An abandoned gateway payment ends with its order; money that arrives too late goes back; the
reconcile sweep asks the provider about payments whose callback never came."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent
from orders.services import cancellation
from payments.models import Payment, Refund, SandboxBankRefund, SandboxBankSession
from payments.services import gateway
from tessera.actors import Actor
from tests.gateway_support import Customer, reserved_order

pytestmark = pytest.mark.django_db(transaction=True)


def expire_now(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def assert_no_task_crashed() -> None:
    assert list(DBTaskResult.objects.failed().values_list("task_path", "traceback")) == []


def test_an_abandoned_payment_ends_with_the_orders_expiry(callbacks, worker):
    # given a customer who opened the bank's page and walked away
    order = reserved_order()
    customer = Customer(order)
    bank_path = customer.click_pay()

    # when the order expires
    expire_now(order)
    assert cancellation.orders_expire_due() == 1
    worker()

    # then the payment is canceled with the order, and so is the bank's session, after commit
    assert_no_task_crashed()
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.failure_reason) == ("CANCELED", "order expired")
    assert SandboxBankSession.objects.get().state == "EXPIRED"
    # and a customer coming back to the bank's page can no longer pay
    assert customer.decide(bank_path, "pay").status_code == 409
    page = customer.open()
    assert b"ran out" in page.content
    assert b"Pay 100.00 EUR" not in page.content
    assert customer.http.post(customer.url("pay")).status_code == 302
    assert Payment.objects.filter(order=order).count() == 1


def test_a_partner_cancel_ends_the_customers_open_payment(callbacks, worker):
    order = reserved_order()
    Customer(order).click_pay()

    cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(order.partner), reason="customer left")
    worker()

    assert Payment.objects.get(order=order).status == "CANCELED"
    assert SandboxBankSession.objects.get().state == "EXPIRED"


def test_money_paid_while_the_order_expired_goes_back_in_full(callbacks, worker):
    # given a customer who pays at the bank just as the order expires, before any callback arrives
    order = reserved_order()
    customer = Customer(order)
    callbacks.hold = True
    customer.decide(customer.click_pay(), "pay")
    expire_now(order)
    cancellation.orders_expire_due()
    assert Payment.objects.get(order=order).status == "CANCELED"

    # when the worker cancels the bank's session (too late: it is paid) and the callbacks get through
    callbacks.hold = False
    worker()

    # then the payment is captured late and refunded in full through the provider; the order stays EXPIRED
    assert_no_task_crashed()
    payment = Payment.objects.get(order=order)
    assert payment.status == "REFUNDED"
    assert OrderEvent.objects.filter(subject_id=str(payment.pk), transition="payment.paid_late").count() == 1
    refund = Refund.objects.get(payment=payment)
    assert (refund.reason, refund.status, refund.amount) == ("late_payment", "SUCCEEDED", payment.amount)
    assert SandboxBankRefund.objects.get().state == "SUCCEEDED"
    assert Order.objects.get(pk=order.pk).status == "EXPIRED"
    assert not OrderEvent.objects.filter(order=order, transition="order.finalized").exists()


@pytest.mark.parametrize("bank_refunds, refund_status", [("succeed", "SUCCEEDED"), ("fail", "FAILED")])
def test_a_callback_after_the_time_to_pay_ran_out_refunds_instead_of_finalizing(
    callbacks, worker, settings, bank_refunds, refund_status
):
    # given a customer who pays after the order's time ran out (the expiry sweep has not run yet)
    settings.SANDBOX_PROVIDER_REFUNDS = bank_refunds
    order = reserved_order()
    customer = Customer(order)
    bank_path = customer.click_pay()
    expire_now(order)

    # when the bank's callback arrives
    customer.decide(bank_path, "pay")
    worker()

    # then the order is not finalized, and the money goes back (or the bank's refusal is recorded)
    assert_no_task_crashed()
    assert not OrderEvent.objects.filter(order=order, transition="order.finalized").exists()
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    refund = Refund.objects.get(order=order)
    assert (refund.reason, refund.status) == ("late_payment", refund_status)
    assert SandboxBankRefund.objects.get().state == refund_status


def test_reconcile_sweep_finalizes_a_payment_whose_callbacks_never_arrived(callbacks, worker, settings):
    # given a paid bank session whose callbacks are lost, and a customer who never came back
    settings.GATEWAY_RECONCILE_AFTER_SECONDS = 300
    callbacks.hold = True
    order = reserved_order()
    customer = Customer(order)
    customer.decide(customer.click_pay(), "pay")
    worker()
    assert Payment.objects.get(order=order).status == "PENDING"

    # when the sweep runs before the payment is old enough, then after
    assert gateway.payments_reconcile_due() == 0
    Payment.objects.filter(order=order).update(updated_at=timezone.now() - timedelta(minutes=6))
    assert gateway.payments_reconcile_due() == 1
    worker()

    # then Tessera asked the bank and finalized the order
    assert_no_task_crashed()
    assert Payment.objects.get(order=order).status == "PAID"
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert OrderEvent.objects.filter(order=order, transition="order.finalized").count() == 1


def test_reconcile_sweep_leaves_an_undecided_payment_and_asks_again_only_after_an_interval(
    callbacks, worker, settings
):
    order = reserved_order()
    Customer(order).click_pay()
    Payment.objects.filter(order=order).update(updated_at=timezone.now() - timedelta(minutes=6))

    assert gateway.payments_reconcile_due() == 1
    worker()
    assert gateway.payments_reconcile_due() == 0

    assert Payment.objects.get(order=order).status == "PENDING"
    assert SandboxBankSession.objects.get().state == "OPEN"
