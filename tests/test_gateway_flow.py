"""The gateway flow over HTTP with the sandbox provider: the customer pays, fails or cancels on the
bank's page; the bank's signed callback and the customer's return may come in any order, or twice;
the order is finalized once, by what the provider says server-side."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent
from payments.models import Payment, ProviderEvent, SandboxBankSession
from payments.providers.base import ProviderError
from sandbox.provider import SandboxProvider
from tests.gateway_support import RETURN_URL, Customer, reserved_order, returned_key

pytestmark = pytest.mark.django_db(transaction=True)


def finalize_events(order) -> int:
    return OrderEvent.objects.filter(order=order, subject_type="order", transition="order.finalized").count()


def assert_no_task_crashed() -> None:
    assert list(DBTaskResult.objects.failed().values_list("task_path", "traceback")) == []


def test_customer_pays_callback_first_then_returns_and_the_order_is_fulfilled(callbacks, worker):
    # given a gateway order with checkout open, and its customer on the checkout page
    order = reserved_order(quantity=2)
    customer = Customer(order)
    page = customer.open()
    assert page.status_code == 200
    assert b"Pay 200.00 EUR" in page.content

    # when the customer pays at the bank, the bank's callback arrives, then the customer comes back
    return_path = customer.pay("pay")
    worker()
    back = customer.come_back(return_path)

    # then the order was finalized once, by the callback, and issued
    assert_no_task_crashed()
    order.refresh_from_db()
    assert order.status == "FULFILLED"
    assert order.payment_method == "gateway"
    assert finalize_events(order) == 1
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.method, payment.provider) == ("PAID", "gateway", "sandbox")
    assert callbacks.answers == [200]
    # and the customer is sent back to the partner with the key added and the partner's query kept
    assert back.status_code == 302
    assert back["Location"] == f"{RETURN_URL}&return={order.order_key}"


def test_customer_returns_before_the_callback_and_the_late_callback_changes_nothing(
    callbacks, worker, settings
):
    # given a customer who paid at the bank, whose callback did not get through (retried in a minute)
    settings.TASK_RETRY_BASE_SECONDS = settings.TASK_RETRY_MAX_DELAY_SECONDS = 60
    order = reserved_order()
    customer = Customer(order)
    callbacks.hold = True
    return_path = customer.pay("pay")
    worker()
    assert len(callbacks.sent) == 1

    # when the customer comes back first
    back = customer.come_back(return_path)

    # then Tessera asked the bank itself and finalized the order
    assert returned_key(back["Location"]) == order.order_key
    assert Order.objects.get(pk=order.pk).status in {"PROCESSING", "FULFILLED"}
    assert finalize_events(order) == 1

    # when the bank's retried callback finally gets through
    callbacks.hold = False
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    worker()

    # then it is recorded, answered 200, and changes nothing
    assert 200 in callbacks.answers
    assert ProviderEvent.objects.filter(payment__order=order).count() == 1
    assert finalize_events(order) == 1
    assert Payment.objects.get(order=order).status == "PAID"
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"


def test_repeated_callback_is_answered_200_and_applied_once(callbacks, worker):
    # given a paid order whose callback was delivered
    order = reserved_order()
    Customer(order).pay("pay")
    worker()
    url, body, headers = callbacks.sent[0]

    # when the same callback arrives twice more
    answers = [callbacks.deliver(url, body, headers) for _ in range(2)]

    # then both are answered 200 and nothing happens twice
    assert answers == [200, 200]
    assert ProviderEvent.objects.count() == 1
    assert finalize_events(order) == 1
    assert (
        OrderEvent.objects.filter(order=order, subject_type="payment", transition="payment.paid").count() == 1
    )


def test_declined_card_leaves_the_order_pending_and_the_customer_pays_again(callbacks, worker):
    # given a customer whose card is declined at the bank
    order = reserved_order()
    customer = Customer(order)
    return_path = customer.pay("fail")
    worker()
    back = customer.come_back(return_path)

    # then the payment failed with the bank's reason, the order still waits, and nothing is finalized
    assert back.status_code == 302
    first = Payment.objects.get(order=order)
    assert (first.status, first.failure_reason) == ("FAILED", "card_declined")
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert finalize_events(order) == 0
    page = customer.open()
    assert b"declined" in page.content
    assert b"Try again: pay 100.00 EUR" in page.content
    assert b'data-status="cancelled">Card declined: nothing was charged<' in customer.open("status").content

    # when the customer tries again and pays
    customer.come_back(customer.pay("pay"))
    worker()

    # then a second payment paid the order, with its own provider session and key
    payments = list(Payment.objects.filter(order=order).order_by("created_at"))
    assert [payment.status for payment in payments] == ["FAILED", "PAID"]
    assert payments[0].idempotency_key != payments[1].idempotency_key
    assert payments[0].provider_reference != payments[1].provider_reference
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert finalize_events(order) == 1


def test_customer_cancels_at_the_bank_and_the_return_alone_cancels_the_payment(callbacks):
    # given a customer who cancels at the bank, whose callback does not get through
    order = reserved_order()
    customer = Customer(order)
    callbacks.hold = True

    # when they come back
    customer.come_back(customer.pay("cancel"))

    # then Tessera asked the bank and the payment is canceled; the order may still be paid
    assert Payment.objects.get(order=order).status == "CANCELED"
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert b'data-status="cancelled">Payment cancelled by you' in customer.open("status").content
    assert b"You cancelled the payment, so nothing was charged." in customer.open().content


def test_two_pay_clicks_in_two_tabs_share_one_payment_and_one_bank_session(callbacks):
    order = reserved_order()
    first_tab, second_tab = Customer(order), Customer(order)

    first = first_tab.click_pay()
    second = second_tab.click_pay()

    assert first == second
    assert Payment.objects.filter(order=order).count() == 1
    assert SandboxBankSession.objects.count() == 1
    assert Payment.objects.get(order=order).status == "PENDING"


def test_deciding_twice_at_the_bank_is_refused_politely_and_changes_nothing(callbacks, worker):
    order = reserved_order()
    customer = Customer(order)
    bank_path = customer.click_pay()
    customer.decide(bank_path, "cancel")

    again = customer.decide(bank_path, "pay")

    assert again.status_code == 409
    assert b"already decided" in again.content
    assert SandboxBankSession.objects.get().state == "CANCELED"


def test_return_trusts_the_bank_not_the_query_string(callbacks):
    # given a customer who opened the bank page but decided nothing
    order = reserved_order()
    customer = Customer(order)
    customer.click_pay()

    # when the browser comes back claiming success
    back = customer.http.get(customer.url("return") + "?status=paid&paid=1")

    # then nothing is paid: the bank says the session is still open
    assert back.status_code == 302
    assert Payment.objects.get(order=order).status == "PENDING"
    assert Order.objects.get(pk=order.pk).status == "PENDING"


def test_provider_down_shows_a_friendly_page_and_the_next_click_retries_with_the_same_key(
    callbacks, monkeypatch
):
    # given a bank that cannot be reached
    order = reserved_order()
    customer = Customer(order)
    real_start = SandboxProvider.start_session

    def unreachable(self, payment, **kwargs):
        raise ProviderError("connection refused")

    monkeypatch.setattr(SandboxProvider, "start_session", unreachable)

    # when the customer presses Pay
    response = customer.http.post(customer.url("pay"))

    # then they see a page that explains it, and the payment waits CREATED
    assert response.status_code == 503
    assert b"not reachable" in response.content
    payment = Payment.objects.get(order=order)
    assert payment.status == "CREATED"

    # when the bank is back and the customer presses Pay again
    monkeypatch.setattr(SandboxProvider, "start_session", real_start)
    customer.click_pay()

    # then the same payment goes on, with the same key
    again = Payment.objects.get(order=order)
    assert (again.pk, again.status) == (payment.pk, "PENDING")
    assert SandboxBankSession.objects.get().idempotency_key == payment.idempotency_key
