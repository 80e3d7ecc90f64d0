"""An instant order that cannot be paid is refused at once and leaves nothing behind.

Given a wallet partner, when it posts an instant order whose total its available balance does not
cover (counting what other orders hold), then the answer is 402 INSUFFICIENT_BALANCE and no
order, offer, hold, event or task exists; a wrong expectedTotal is PRICE_CHANGED and a method the
partner may not use is BILLING_MODE_NOT_ALLOWED, with nothing created either.
"""

from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent
from payments.models import Wallet, WalletHold
from suppliers.models import Offer
from tests import factories
from tests.api_support import client_for
from tests.instant_support import instant_body

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Order, Offer, WalletHold, OrderEvent, DBTaskResult))


def test_an_order_the_available_balance_does_not_cover_is_402_and_creates_nothing():
    # given 150.00 on the wallet, 100.00 of it held by a first instant order
    partner = factories.partner(wallet="150.00")
    api = client_for(partner)
    product = factories.product(price="100.00")
    first = api.post("/orders", instant_body(product))
    assert first.status_code == 202, first.json()
    before = counts()

    # when a second instant order of 100.00 comes
    refused = api.post("/orders", instant_body(product))

    # then it is refused with the wallet's numbers, and nothing was created
    assert refused.status_code == 402, refused.json()
    problem = refused.json()
    assert problem["errorCode"] == "INSUFFICIENT_BALANCE"
    assert problem["context"] == {"balance": "150.00", "available": "50.00", "needed": "100.00"}
    assert counts() == before
    wallet = Wallet.objects.get(partner=partner)
    assert (wallet.balance, wallet.held) == (Decimal("150.00"), Decimal("100.00"))


def test_a_different_expected_total_is_price_changed_and_creates_nothing():
    partner = factories.partner(wallet="500.00")
    api = client_for(partner)
    product = factories.product(price="100.00")
    before = counts()

    wrong_amount = api.post("/orders", instant_body(product, amount="90.00"))
    wrong_currency = api.post("/orders", instant_body(product, currency="NOK"))

    assert wrong_amount.status_code == wrong_currency.status_code == 409
    assert wrong_amount.json()["errorCode"] == "PRICE_CHANGED"
    assert wrong_amount.json()["context"] == {"total": "100.00", "currency": "EUR"}
    assert counts() == before


def test_a_method_the_partner_may_not_use_is_refused_and_creates_nothing():
    partner = factories.partner(wallet="500.00")  # wallet only, no invoice
    api = client_for(partner)
    before = counts()

    answer = api.post("/orders", instant_body(factories.product(), method="invoice"))

    assert answer.status_code == 403, answer.json()
    assert answer.json()["errorCode"] == "BILLING_MODE_NOT_ALLOWED"
    assert counts() == before
