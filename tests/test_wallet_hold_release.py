"""An instant order that ends unpaid gives its held money back, and says so in its trail.

Given a wallet partner with an instant order holding its total, when the reservation fails, the
order expires or the partner cancels it, then the hold is RELEASED (audited, with the reason),
the available balance is what it was, and the ledger has not moved.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.services import cancellation
from payments.models import HoldStatus, LedgerEntry, Wallet, WalletHold
from payments.services.wallets import wallet_ledger_total
from suppliers.models import SupplierKind
from tessera.actors import Actor
from tests import factories
from tests.instant_support import instant_order

pytestmark = pytest.mark.django_db(transaction=True)


def assert_released(order: Order, reason: str) -> None:
    hold = WalletHold.objects.get(order=order)
    wallet = Wallet.objects.get(pk=hold.wallet_id)
    assert hold.status == HoldStatus.RELEASED and hold.release_reason == reason
    assert (wallet.balance, wallet.held, wallet.available) == (Decimal("300.00"), 0, Decimal("300.00"))
    assert wallet_ledger_total(wallet) == wallet.balance
    assert not LedgerEntry.objects.filter(order=order).exists()
    event = OrderEvent.objects.get(order=order, transition="wallet_hold.released")
    assert (event.from_status, event.to_status, event.payload) == ("HELD", "RELEASED", {"reason": reason})


def test_a_failed_reservation_releases_the_hold(worker):
    # given an instant order of a product the supplier refuses to reserve
    partner = factories.partner(wallet="300.00")
    refused = factories.product(kind=SupplierKind.EVENT, price="60.00", behaviour={"fail": "reserve"})
    order = instant_order(partner, refused)
    assert Wallet.objects.get(partner=partner).held == Decimal("60.00")

    # when the worker tries to reserve it
    worker()

    # then the order failed and its hold went back
    assert Order.objects.get(pk=order.pk).status == "FAILED"
    assert_released(order, "reservation failed")


def test_expiry_releases_the_hold():
    # given an instant order still reserving when its time runs out
    partner = factories.partner(wallet="300.00")
    order = instant_order(partner, factories.product(price="100.00"))
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    # when the expiry sweep runs
    expired = cancellation.orders_expire_due()

    # then it expired and its hold went back
    assert expired == 1
    assert_released(order, "order expired")


def test_cancel_releases_the_hold():
    partner = factories.partner(wallet="300.00")
    order = instant_order(partner, factories.product(price="100.00"), quantity=2)

    cancellation.order_cancel(order_id=order.pk, partner_id=partner.pk, actor=Actor.partner(partner))

    assert_released(order, "order canceled")
