"""On PostgreSQL with real threads: the bank's callbacks and the customer's return racing each other
finalize the order once, and Pay pressed in several tabs at once makes one payment."""

import pytest
from django.test import Client

from orders.models import Order, OrderEvent
from payments.models import Payment, ProviderEvent, SandboxBankSession
from payments.services import gateway
from payments.services.checkout import checkout_return
from sandbox import bank as sandbox_bank
from tests.gateway_support import path_of, reserved_order
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def test_callbacks_and_the_return_at_once_finalize_the_order_once():
    for _ in range(ROUNDS):
        # given a customer who has just paid at the bank
        order = reserved_order()
        payment = gateway.payment_start(order_id=order.pk)
        sandbox_bank.session_decide(session_id=payment.provider_reference, decision="pay")
        url, body = sandbox_bank.callback_message("session", payment.provider_reference)
        headers = {sandbox_bank.SIGNATURE_HEADER: sandbox_bank.sign(body)}

        def arrive(kind: str, order=order, url=url, body=body, headers=headers):
            if kind == "callback":
                return Client().post(
                    path_of(url), data=body, content_type="application/json", headers=headers
                )
            return checkout_return(order=Order.objects.get(pk=order.pk))

        # when the callback (twice) and the customer's return arrive at the same moment
        outcomes = run_concurrently(arrive, ["callback", "return", "callback"], threads=3)

        # then all succeed, the payment is captured once and the order finalized once
        assert [outcome.error for outcome in outcomes] == [None] * 3
        assert sorted(o.result.status_code for o in outcomes if o.item == "callback") == [200, 200]
        assert Payment.objects.get(order=order).status == "PAID"
        assert Order.objects.get(pk=order.pk).status == "PROCESSING"
        events = OrderEvent.objects.filter(order=order)
        assert events.filter(subject_type="order", transition="order.finalized").count() == 1
        assert events.filter(subject_type="payment", transition="payment.paid").count() == 1
        assert ProviderEvent.objects.filter(payment=payment).count() == 1


def test_pay_pressed_in_four_tabs_at_once_makes_one_payment_and_one_bank_session():
    order = reserved_order()

    outcomes = run_concurrently(lambda _: gateway.payment_start(order_id=order.pk), range(4), threads=4)

    assert [outcome.error for outcome in outcomes] == [None] * 4
    assert len({outcome.result.pk for outcome in outcomes}) == 1
    assert len({outcome.result.redirect_url for outcome in outcomes}) == 1
    assert Payment.objects.filter(order=order).count() == 1
    assert SandboxBankSession.objects.count() == 1
