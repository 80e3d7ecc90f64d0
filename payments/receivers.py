"""Payments' answers to what orders announce (orders.signals), connected in PaymentsConfig.ready."""

from payments.services.gateway import gateway_payment_abandon
from payments.services.refunds import refund_undelivered, refuse_amendment_during_refund


def abandon_gateway_payment(sender, *, order, actor, reason: str, **kwargs) -> None:
    """An order ended unpaid: its live unpaid gateway payment ends too."""
    gateway_payment_abandon(order=order, actor=actor, reason=reason)


def refund_undelivered_lines(sender, *, order, lines, actor, **kwargs) -> None:
    """Lines failed after payment: their money goes back the way it came."""
    refund_undelivered(order=order, lines=lines, actor=actor)


def refuse_amendment_while_refunding(sender, *, order, **kwargs) -> None:
    """An order being amended: not while a refund of it is still under way (raises)."""
    refuse_amendment_during_refund(order=order)
