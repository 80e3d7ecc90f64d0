"""An instant order is one request: created from a product with its payment, it reaches FULFILLED
through the real worker with no poll and no finalize call; the wallet's hold becomes its debit.

Given a wallet partner and a product, when the partner posts one order with lines and a wallet
payment and the worker runs, then the order is FULFILLED, paid once from the hold, the ledger
still sums to the balance and nothing stays held; the trail says what the partner hears.
"""

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent
from payments.models import HoldStatus, LedgerEntry, Wallet, WalletHold
from payments.services.wallets import wallet_ledger_total
from tests import factories
from tests.api_support import client_for
from tests.instant_support import instant_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wallet_instant_order_is_fulfilled_by_the_worker_alone(worker):
    # given a partner with 250.00 and a product at 100.00
    partner = factories.partner(wallet="250.00")
    api = client_for(partner)
    product = factories.product(price="100.00")

    # when it posts one instant order
    created = api.post("/orders", instant_body(product))
    wallet = Wallet.objects.get(partner=partner)

    # then the total is held at once, and the wallet shows it apart from the balance
    assert created.status_code == 202, created.json()
    assert created.json()["status"] == "PENDING"
    assert (wallet.balance, wallet.held, wallet.available) == (Decimal("250.00"), Decimal("100.00"), 150)
    shown = api.get("/wallets").json()["items"][0]
    assert shown["held"] == {"amount": "100.00", "currency": "EUR"}
    assert shown["available"] == {"amount": "150.00", "currency": "EUR"}

    # when the worker runs, with no further call
    worker()

    # then the order is fulfilled, paid once from its hold
    order = Order.objects.get(pk=created.json()["id"])
    wallet.refresh_from_db()
    hold = WalletHold.objects.get(order=order)
    assert order.status == "FULFILLED" and order.payment_method == "wallet"
    assert hold.status == HoldStatus.CAPTURED
    assert hold.ledger_entry == LedgerEntry.objects.get(order=order, kind="debit")
    assert (wallet.balance, wallet.held) == (Decimal("150.00"), Decimal("0.00"))
    assert wallet_ledger_total(wallet) == wallet.balance
    answered = api.get(f"/orders/{order.pk}").json()
    assert answered["status"] == "FULFILLED" and answered["payments"][0]["status"] == "PAID"
    types = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("transition", flat=True))
    assert (
        types.index("wallet_hold.placed")
        < types.index("wallet_hold.captured")
        < types.index("order.fulfilled")
    )
    assert "order.finalized" in types


def test_an_invoice_instant_order_accrues_on_the_invoice_and_is_fulfilled(worker):
    partner = factories.partner(invoice=True)
    api = client_for(partner)
    product = factories.product(price="40.00")

    created = api.post("/orders", instant_body(product, method="invoice", amount="80.00", quantity=2))
    worker()

    assert created.status_code == 202, created.json()
    order = Order.objects.get(pk=created.json()["id"])
    assert order.status == "FULFILLED" and order.payment_method == "invoice"
    assert order.invoice_items.count() == 1
    assert not WalletHold.objects.filter(order=order).exists()
