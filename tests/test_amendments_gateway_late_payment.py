"""A gateway amendment's payment that outlives its draft: reset cancels the open payment at the
provider, and a customer who pays after the draft expired gets the money back, audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderVersion
from orders.services import amendments
from payments.models import Payment, Refund, SandboxBankRefund, SandboxBankSession
from tests import factories
from tests.amendment_support import lines
from tests.api_support import client_for
from tests.gateway_support import Customer, reserved_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def waiting(callbacks, worker) -> tuple[Order, Payment]:
    """A delivered gateway order whose version 2 (a 100.00 ticket exchanged for 120.00) was
    confirmed, its 20.00 payment waiting for the customer."""
    order = reserved_order(quantity=2)
    Customer(order).pay("pay")
    worker()
    api = client_for(order.partner)
    offer = api.quote(factories.product(price="120.00"))
    api.post(
        f"/orders/{order.pk}/amendments",
        {"exchange": [{"lineId": lines(order)[0].pk, "offerId": offer["id"]}]},
    )
    worker()
    confirmed = api.post(f"/orders/{order.pk}/amendments/2/confirm", {"expectedBalance": "20.00"})
    assert confirmed.status_code == 202, confirmed.json()
    return order, Payment.objects.get(pk=confirmed.json()["amendment"]["payment"]["id"])


def events(order: Order, subject_id) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, subject_id=str(subject_id))
        .order_by("id")
        .values_list("transition", flat=True)
    )


def test_a_payment_after_the_draft_expired_is_captured_late_and_given_back_in_full(
    waiting, callbacks, worker
):
    # Given the customer has the bank's page open for the 20.00
    order, payment = waiting
    customer = Customer(order)
    bank_page = customer.click_pay()

    # When the draft expires (the sweep) and the customer pays at the bank after all
    OrderVersion.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert amendments.amendments_expire_due() == 1
    assert customer.decide(bank_page, "pay").status_code == 302
    worker()

    # Then version 1 stands, and the payment, canceled with the draft, was captured late and refunded
    order.refresh_from_db()
    assert (order.version, order.status, order.total_amount) == (1, "FULFILLED", Decimal("200.00"))
    assert OrderVersion.objects.get(order=order).status == "DISCARDED"
    payment.refresh_from_db()
    assert payment.status == "REFUNDED"
    refund = Refund.objects.get(payment=payment)
    assert (refund.reason, refund.status, refund.amount, refund.amendment_id) == (
        "late_payment",
        "SUCCEEDED",
        Decimal("20.00"),
        payment.amendment_id,
    )
    # and it is audited: canceled with the draft, paid late, refunded
    trail = events(order, payment.pk)
    assert trail[trail.index("payment.canceled") :] == [
        "payment.canceled",
        "payment.paid_late",
        "payment.refunded",
    ]
    assert events(order, refund.pk)[0] == "refund.requested"
    # and the money is exact at the bank: the 20.00 went back, the order's 200.00 stays
    bank = SandboxBankRefund.objects.get(pk=refund.provider_reference)
    assert (bank.amount, bank.state) == (Decimal("20.00"), "SUCCEEDED")
    assert Payment.objects.get(order=order, amendment__isnull=True).status == "PAID"
    # and the refund of the discarded draft holds no new amendment up
    assert "amend" in client_for(order.partner).get(f"/orders/{order.pk}").json()["availableActions"]


def test_resetting_the_draft_cancels_its_payment_at_the_provider(waiting, callbacks, worker):
    # Given the customer opened the bank's page for the 20.00
    order, payment = waiting
    customer = Customer(order)
    bank_page = customer.click_pay()

    # When the partner resets the draft
    reset = client_for(order.partner).post(
        f"/orders/{order.pk}/amendments/2/reset", {"reason": "changed mind"}
    )
    assert reset.status_code == 200, reset.json()
    worker()

    # Then the payment is canceled, and so is the bank's session: the customer can no longer pay
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == ("CANCELED", "amendment discarded")
    assert SandboxBankSession.objects.get(pk=payment.provider_reference).state == "EXPIRED"
    assert customer.decide(bank_page, "pay").status_code == 409
    worker()
    assert Payment.objects.get(pk=payment.pk).status == "CANCELED"
    assert not Refund.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).version == 1
    # and the checkout page no longer asks for the change
    assert "Pay for the change" not in customer.open().content.decode()
