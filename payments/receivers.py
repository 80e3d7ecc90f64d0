"""Payments' answers to what orders announce (orders.signals), connected in PaymentsConfig.ready."""

from orders.statuses import BillingMode
from payments.services.amendment_payment import amendment_payment_abandon
from payments.services.finalization import order_finalize_instant
from payments.services.gateway import gateway_payment_abandon
from payments.services.holds import hold_place, hold_release
from payments.services.refunds import refund_undelivered, refuse_amendment_during_refund


def abandon_gateway_payment(sender, *, order, actor, reason: str, **kwargs) -> None:
    """An order ended unpaid: its live unpaid gateway payment ends too."""
    gateway_payment_abandon(order=order, actor=actor, reason=reason)


def refund_undelivered_lines(sender, *, order, lines, actor, **kwargs) -> None:
    """Lines failed after payment: their money goes back the way it came."""
    refund_undelivered(order=order, lines=lines, actor=actor)


def hold_instant_order(sender, *, order, actor, **kwargs) -> None:
    """An instant order paid by wallet was created: its total is held (402 undoes the creation)."""
    if order.payment_method == BillingMode.WALLET:
        hold_place(order=order, actor=actor)


def release_wallet_hold(sender, *, order, actor, reason: str, **kwargs) -> None:
    """An instant order ended unpaid: the money it held is available again."""
    if order.payment_method == BillingMode.WALLET:
        hold_release(order=order, actor=actor, reason=reason)


def finalize_instant_order(sender, *, order, lines, actor, **kwargs) -> None:
    """Every line of an instant order is RESERVED: it is paid and issuing starts, in this transaction."""
    if order.payment_method in (BillingMode.WALLET, BillingMode.INVOICE):
        order_finalize_instant(order=order, lines=lines, actor=actor)


def refuse_amendment_while_refunding(sender, *, order, **kwargs) -> None:
    """An order being amended: not while a refund of it is still under way (raises)."""
    refuse_amendment_during_refund(order=order)


def abandon_amendment_payment(sender, *, order, version, actor, **kwargs) -> None:
    """A draft was reset or expired: a hosted-checkout payment of its balance still open ends too."""
    if order.payment_method == BillingMode.GATEWAY:
        amendment_payment_abandon(order=order, version=version, actor=actor, reason="amendment discarded")
