"""Helpers for amendment tests: a delivered wallet order, offers to change it with, the money."""

from decimal import Decimal

from django.db.models import Sum

from orders.models import Order, OrderLine
from payments.models import LedgerEntry, Payment, Refund, RefundStatus
from suppliers.models import Offer
from suppliers.services import offer_quote
from tessera.actors import Actor
from tessera.money import ZERO
from tests import factories
from tests.refund_support import delivered


def delivered_train_order(partner, *, worker, quantity: int = 2, price: str = "100.00") -> Order:
    """A FULFILLED wallet order of ``quantity`` train tickets (one traveller each)."""
    return delivered(partner, factories.product(price=price), worker=worker, quantity=quantity)


def offer_for(partner, *, price: str = "120.00", quantity: int = 1) -> Offer:
    """A fresh offer for a new train product of ``price`` a ticket."""
    return offer_quote(partner=partner, product_id=factories.product(price=price).pk, quantity=quantity)


def lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).select_related("voucher").order_by("position"))


def partner_actor(partner) -> Actor:
    return Actor.partner(partner)


def ledger_out(order: Order) -> Decimal:
    """What the partner's wallet paid for the order, net of everything that came back."""
    return -(LedgerEntry.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or ZERO)


def paid_minus_refunded(order: Order) -> Decimal:
    """The payment plus what the confirmed versions moved, minus the refunds that succeeded."""
    paid = Payment.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or ZERO
    versions = order.versions.filter(status="CONFIRMED").aggregate(total=Sum("balance"))["total"] or ZERO
    refunded = (
        Refund.objects.filter(order=order, status=RefundStatus.SUCCEEDED).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )
    return paid + versions - refunded
