"""A gateway order's amendment with a positive balance is paid on the hosted checkout.

Confirm answers 202 with the draft still DRAFT and its payment's checkout page; the customer pays
at the sandbox bank, whose signed callback confirms the draft: the version becomes current, its
new line issues, and what was paid is exactly the order's new total. Confirming again while the
payment is open answers the same payment.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderVersion
from payments.models import Payment, SandboxBankSession
from tests import factories
from tests.amendment_support import lines
from tests.api_support import client_for
from tests.gateway_support import Customer, reserved_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(callbacks, worker) -> Order:
    """A FULFILLED gateway order of two 100.00 tickets, paid by its customer at the sandbox bank."""
    order = reserved_order(quantity=2)
    Customer(order).pay("pay")
    worker()
    order.refresh_from_db()
    assert (order.status, order.payment_method) == ("FULFILLED", "gateway")
    return order


def exchange_first_ticket(api, order: Order, worker, *, price: str = "120.00") -> None:
    """Open version 2, exchanging the first ticket for one of ``price``, and reserve it."""
    offer = api.quote(factories.product(price=price))
    opened = api.post(
        f"/orders/{order.pk}/amendments",
        {"exchange": [{"lineId": lines(order)[0].pk, "offerId": offer["id"]}]},
    )
    assert opened.status_code == 202, opened.json()
    worker()


def test_confirm_answers_the_checkout_and_the_customers_payment_makes_the_version_current(
    delivered, callbacks, worker
):
    # Given version 2 of the delivered order exchanges a 100.00 ticket for a 120.00 one
    api = client_for(delivered.partner)
    first, second = lines(delivered)
    exchange_first_ticket(api, delivered, worker)

    # When the partner confirms it with its balance
    confirmed = api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "20.00"})

    # Then 202: version 1 stands, the draft waits for a payment of 20.00 on the order's checkout page
    assert confirmed.status_code == 202, confirmed.json()
    body = confirmed.json()
    assert (body["version"], body["total"]["amount"], body["amendment"]["status"]) == (1, "200.00", "DRAFT")
    payment = body["amendment"]["payment"]
    assert (payment["method"], payment["status"], payment["amount"], payment["paidAt"]) == (
        "gateway",
        "CREATED",
        {"amount": "20.00", "currency": "EUR"},
        None,
    )
    assert payment["checkoutUrl"] == f"{settings.PUBLIC_BASE_URL}/checkout/{delivered.order_key}/"
    assert body["customerLinks"]["checkout"] == payment["checkoutUrl"]
    # and the draft is kept at least as long as a new order's checkout
    expires = parse_datetime(body["amendment"]["expiresAt"])
    assert expires >= timezone.now() + settings.ORDER_EXPIRY_DEFAULT - timedelta(minutes=1)

    # When the customer opens the checkout page
    customer = Customer(delivered)
    page = customer.open()

    # Then it says what is paid: the order, the change to version 2, and the amount
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Pay for the change to order {delivered.reference}" in text
    assert "Change to version 2 of your order" in text
    assert "Pay 20.00" in text

    # When the customer pays at the bank and the bank's callback arrives, then comes back
    return_path = customer.pay("pay")
    worker()
    back = customer.come_back(return_path)
    assert back.status_code == 302

    # Then version 2 is current, confirmed by that payment, and its new ticket is issued
    assert list(DBTaskResult.objects.failed().values_list("task_path", "traceback")) == []
    order = Order.objects.get(pk=delivered.pk)
    assert (order.version, order.status, order.total_amount) == (2, "FULFILLED", Decimal("220.00"))
    version = OrderVersion.objects.get(order=order)
    paid = Payment.objects.get(order=order, amendment=version)
    assert (version.status, version.settlement_reference) == ("CONFIRMED", f"payment:{paid.pk}")
    assert [(line.pk, line.status) for line in lines(order)][:2] == [
        (first.pk, "REMOVED"),
        (second.pk, "ISSUED"),
    ]
    assert lines(order)[2].status == "ISSUED"
    # and the money is exact: the two payments captured the new total, at Tessera and at the bank
    captured = Payment.objects.filter(order=order, status="PAID").aggregate(total=Sum("amount"))["total"]
    assert captured == order.total_amount == Decimal("220.00")
    sessions = SandboxBankSession.objects.filter(
        merchant_reference__in=[str(p.pk) for p in order.payments.all()]
    )
    assert sorted((s.amount, s.state) for s in sessions) == [
        (Decimal("20.00"), "PAID"),
        (Decimal("200.00"), "PAID"),
    ]
    # and the order no longer shows a draft
    assert api.get(f"/orders/{order.pk}").json()["amendment"] is None


def test_confirming_again_while_the_payment_is_open_answers_the_same_payment(delivered, callbacks, worker):
    # Given version 2 confirmed once: its payment waits for the customer
    api = client_for(delivered.partner)
    exchange_first_ticket(api, delivered, worker)
    first = api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "20.00"}).json()
    payment_id = first["amendment"]["payment"]["id"]

    # When the partner confirms again, and again after the customer went to the bank's page
    again = api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "20.00"})
    Customer(delivered).click_pay()
    later = api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "20.00"})

    # Then each answer is the same payment (PENDING once the bank's page is open); no second one
    assert (again.status_code, later.status_code) == (202, 202)
    assert again.json()["amendment"]["payment"]["id"] == payment_id
    assert later.json()["amendment"]["payment"]["id"] == payment_id
    assert later.json()["amendment"]["payment"]["status"] == "PENDING"
    assert Payment.objects.filter(order=delivered).count() == 2
    assert SandboxBankSession.objects.filter(merchant_reference=payment_id).count() == 1


def test_a_declined_card_leaves_the_draft_open_and_the_customer_pays_with_a_new_payment(
    delivered, callbacks, worker
):
    # Given version 2 confirmed, and the customer's card declined at the bank
    api = client_for(delivered.partner)
    exchange_first_ticket(api, delivered, worker)
    api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "20.00"})
    customer = Customer(delivered)
    customer.pay("fail")
    worker()

    # Then the draft is still open, showing the failed payment, and the page offers to try again
    draft = api.get(f"/orders/{delivered.pk}").json()["amendment"]
    assert (draft["status"], draft["payment"]["status"]) == ("DRAFT", "FAILED")
    assert "Try again: pay 20.00" in customer.open().content.decode()

    # When the customer pays again
    customer.pay("pay")
    worker()

    # Then a second payment paid the change, and version 2 is current
    order = Order.objects.get(pk=delivered.pk)
    assert (order.version, order.status) == (2, "FULFILLED")
    statuses = sorted(
        Payment.objects.filter(order=order, amendment__isnull=False).values_list("status", flat=True)
    )
    assert statuses == ["FAILED", "PAID"]
