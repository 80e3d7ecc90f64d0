"""Holds under real concurrency: instant orders at once cannot together spend more than the wallet.

Given a wallet of 1000.00 and a product at 10.00, when 200 instant orders are created at once from
20 threads, each with its own PostgreSQL connection, then exactly 100 hold their total and 100
are 402 with nothing created; the balance has not moved and equals its ledger. When the worker
then reserves and pays them, all 100 are fulfilled from their holds: the balance is 0.00, never
went below zero on the way, nothing is held, and the ledger still equals the balance.
"""

from collections import Counter
from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import HoldStatus, LedgerEntry, Wallet, WalletHold
from payments.services.wallets import wallet_ledger_total
from tests import factories
from tests.instant_support import instant_order
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_hundred_instant_orders_against_a_wallet_for_one_hundred(worker):
    # given a wallet that covers 100 orders of 10.00
    partner = factories.partner(wallet="1000.00")
    product = factories.product(price="10.00")

    # when 200 instant orders are created at once
    outcomes = run_concurrently(lambda _: instant_order(partner, product), range(200), threads=20)

    # then exactly 100 hold their total and the others are refused with nothing created
    errors = Counter(type(o.error).__name__ for o in outcomes if o.error is not None)
    assert errors == {"InsufficientBalance": 100}
    wallet = Wallet.objects.get(partner=partner)
    assert WalletHold.objects.filter(wallet=wallet, status=HoldStatus.HELD).count() == 100
    assert Order.objects.filter(partner=partner).count() == 100
    assert (wallet.balance, wallet.held, wallet.available) == (Decimal("1000.00"), Decimal("1000.00"), 0)
    assert wallet_ledger_total(wallet) == wallet.balance

    # when the worker reserves them
    worker(max_rounds=60)

    # then each is paid once from its hold, and the balance never went below zero
    assert Counter(Order.objects.filter(partner=partner).values_list("status", flat=True)) == {
        "FULFILLED": 100
    }
    wallet.refresh_from_db()
    assert (wallet.balance, wallet.held) == (Decimal("0.00"), Decimal("0.00"))
    assert WalletHold.objects.filter(wallet=wallet, status=HoldStatus.CAPTURED).count() == 100
    running = Decimal("0")
    for entry in LedgerEntry.objects.filter(wallet=wallet).order_by("pk"):
        running += entry.amount
        assert entry.balance_after == running >= 0
    assert running == wallet.balance == wallet_ledger_total(wallet)
