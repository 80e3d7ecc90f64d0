"""Money a wallet holds for an instant order is not spent by anything else.

Given 150.00 on a wallet, 100.00 of it held by an instant order that is not paid yet, when a plain
order of 100.00 is finalized by wallet, then it is 402 INSUFFICIENT_BALANCE with the available
balance in its context, and neither the balance nor the hold moved.
"""

from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import Wallet
from tests import factories
from tests.api_support import client_for
from tests.instant_support import instant_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_plain_finalize_cannot_spend_held_money(worker):
    # given 150.00 on the wallet, 100.00 of it held, and a plain order of 100.00, reserved
    partner = factories.partner(wallet="150.00")
    api = client_for(partner)
    product = factories.product(price="100.00")
    assert api.post("/orders", instant_body(product)).status_code == 202
    # (the instant order is past its time, so the worker leaves it unpaid for the expiry sweep)
    Order.objects.filter(payment_method="wallet").update(expires_at="2000-01-01T00:00:00Z")
    plain = api.create_order(product)
    worker()

    # when the plain order is finalized by wallet
    answer = api.post(f"/orders/{plain['id']}/finalize", {"method": "wallet"})

    # then the held money is not spent
    assert answer.status_code == 402, answer.json()
    assert answer.json()["context"]["available"] == "50.00"
    wallet = Wallet.objects.get(partner=partner)
    assert (wallet.balance, wallet.held) == (Decimal("150.00"), Decimal("100.00"))
