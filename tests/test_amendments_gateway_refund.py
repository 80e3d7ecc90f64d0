"""A gateway order's amendment with a negative balance: confirm makes the version current at once and
gives the difference back through the provider, as a refund of the amendment that holds no later
amendment up while the provider settles it."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from orders.models import Order, OrderVersion
from payments.models import Payment, Refund, SandboxBankRefund
from tests import factories
from tests.admin_support import login
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
    assert order.status == "FULFILLED"
    return order


def test_removing_a_ticket_makes_the_version_current_and_refunds_the_difference_to_the_card(
    delivered, callbacks, worker
):
    # Given the partner opens version 2 without the second ticket
    api = client_for(delivered.partner)
    first, second = lines(delivered)
    opened = api.post(f"/orders/{delivered.pk}/amendments", {"remove": [second.pk]})
    assert opened.status_code == 202, opened.json()
    assert opened.json()["amendment"]["balance"]["amount"] == "-100.00"

    # When it confirms with the balance
    confirmed = api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "-100.00"})

    # Then version 2 is current at once, and 100.00 is on its way back as the amendment's refund
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert (body["version"], body["total"]["amount"], body["amendment"]) == (2, "100.00", None)
    version = OrderVersion.objects.get(order=delivered)
    refund = Refund.objects.get(order=delivered)
    assert (refund.reason, refund.status, refund.amount, refund.amendment_id) == (
        "amendment",
        "PROCESSING",
        Decimal("100.00"),
        version.pk,
    )
    assert refund.idempotency_key == f"amendment:{version.pk}"
    assert list(refund.refund_lines.all()) == []
    assert version.settlement_reference == f"refund:{refund.pk}"
    assert [(r["reason"], r["amount"]["amount"], r["lines"]) for r in body["refunds"]] == [
        ("amendment", "100.00", [])
    ]
    # and the refund on its way holds no new amendment up (it takes no lines)
    assert "amend" in body["availableActions"]

    # When the worker sends it to the provider and the bank settles it
    worker()

    # Then it succeeded at the bank; the payment is partly refunded; the order keeps its one ticket
    refund.refresh_from_db()
    assert refund.status == "SUCCEEDED"
    bank = SandboxBankRefund.objects.get(pk=refund.provider_reference)
    assert (bank.amount, bank.state) == (Decimal("100.00"), "SUCCEEDED")
    payment = Payment.objects.get(order=delivered)
    assert (payment.status, payment.amount) == ("PARTIALLY_REFUNDED", Decimal("200.00"))
    order = Order.objects.get(pk=delivered.pk)
    assert (order.version, order.status, order.total_amount) == (2, "FULFILLED", Decimal("100.00"))
    assert [(line.pk, line.status) for line in lines(order)] == [(first.pk, "ISSUED"), (second.pk, "REMOVED")]
    # and the money is exact: paid minus given back is the new total
    back = Refund.objects.filter(order=order, status="SUCCEEDED").aggregate(total=Sum("amount"))["total"]
    assert payment.amount - back == order.total_amount


def test_the_back_office_shows_the_refund_as_the_amendments(delivered, client):
    # Given version 2 removed the second ticket and its difference is on its way back
    api = client_for(delivered.partner)
    api.post(f"/orders/{delivered.pk}/amendments", {"remove": [lines(delivered)[1].pk]})
    api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "-100.00"})
    refund = Refund.objects.get(order=delivered)

    # When staff read the refunds list filtered to amendments, and the refund's page
    staff = login(client, "ops", superuser=True)
    listed = staff.get(reverse("admin:payments_refund_changelist"), {"reason__exact": "amendment"})
    page = staff.get(reverse("admin:payments_refund_change", args=[refund.pk]))

    # Then the list holds it, and its page names the reason, the version and the amendment's key
    assert listed.status_code == 200 and str(refund.pk) in listed.content.decode()
    text = page.content.decode()
    assert "Given back by an amendment" in text
    assert "Version 2 (CONFIRMED)" in text
    assert f"amendment:{refund.amendment_id}" in text


def test_a_later_amendment_opens_while_the_provider_has_not_settled_the_refund(delivered, callbacks, worker):
    # Given version 2 removed the second ticket and its refund is still PROCESSING (nothing ran)
    api = client_for(delivered.partner)
    second = lines(delivered)[1]
    api.post(f"/orders/{delivered.pk}/amendments", {"remove": [second.pk]})
    api.post(f"/orders/{delivered.pk}/amendments/2/confirm", {"expectedBalance": "-100.00"})
    assert Refund.objects.get(order=delivered).status == "PROCESSING"

    # When the partner exchanges the remaining ticket for a 130.00 one
    offer = api.quote(factories.product(price="130.00"))
    opened = api.post(
        f"/orders/{delivered.pk}/amendments",
        {"exchange": [{"lineId": lines(delivered)[0].pk, "offerId": offer["id"]}]},
    )

    # Then version 3 opens (no REFUND_IN_PROGRESS), its balance against version 2's total
    assert opened.status_code == 202, opened.json()
    assert opened.json()["amendment"]["balance"]["amount"] == "30.00"
