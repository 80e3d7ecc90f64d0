"""Refunds by amount over HTTP: the partner gives money back while the customer keeps every line.

Given a delivered order of two tickets of 50.00 paid by wallet, when the partner POSTs a refund
with an amount, then the money goes back at once through the same service as the admin's, the
lines stay ISSUED, and the amount is capped by what was paid minus what is already refunded.
"""

from decimal import Decimal

import pytest

from payments.models import Refund
from tests import factories
from tests.api_support import client_for
from tests.refund_support import credits_of, line_statuses
from tests.test_refunds_api import assert_problem

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(api, worker) -> dict:
    order = api.create_order(factories.product(price="50.00"), 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    return api.get(f"/orders/{order['id']}").json()


def refund(api, order: dict, amount, **extra):
    return api.post(f"/orders/{order['id']}/refunds", {"amount": amount, "reason": "goodwill", **extra})


def test_an_amount_goes_back_at_once_and_every_line_stays(api, delivered):
    response = refund(api, delivered, "15.50", note="late train")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["status"], body["amount"], body["lines"]) == (
        "SUCCEEDED",
        {"amount": "15.50", "currency": "EUR"},
        [],
    )
    order = Refund.objects.get(pk=body["id"]).order
    assert credits_of(order) == [Decimal("15.50")]
    assert line_statuses(order) == {1: "ISSUED", 2: "ISSUED"}
    after = api.get(f"/orders/{delivered['id']}").json()
    assert after["status"] == "PARTIALLY_REFUNDED"
    assert [r["id"] for r in after["refunds"]] == [body["id"]]


def test_an_amount_over_what_is_left_is_refused_and_changes_nothing(api, delivered):
    assert refund(api, delivered, "60.00").status_code == 202

    problem = assert_problem(refund(api, delivered, "40.01"), 409, "REFUND_EXCEEDS_PAYMENT")

    assert problem["context"] == {"available": "40.00", "currency": "EUR"}
    assert Refund.objects.count() == 1
    assert refund(api, delivered, "40.00").status_code == 202


def test_another_partners_order_is_404(api, delivered):
    other = client_for(factories.partner(wallet="100.00"))

    assert_problem(refund(other, delivered, "1.00"), 404, "ORDER_NOT_FOUND")
    assert not Refund.objects.exists()
