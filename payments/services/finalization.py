"""Finalizing a PENDING order: payment is collected and issuance starts in the background."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders import queue
from orders.errors import BillingModeNotAllowed, OrderExpired, OrderNotReady, PriceChanged
from orders.events import apply_transition, batched
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine
from orders.statuses import BillingMode, LineStatus, OrderStatus
from payments.models import Payment, PaymentStatus
from payments.services import collection as payments_collection
from tessera.actors import Actor
from tessera.errors import InvalidInput, InvalidState
from tessera.money import format_amount, parse_exact
from tessera.times import iso_utc

FINALIZE_METHODS = (BillingMode.WALLET, BillingMode.INVOICE)


def order_finalize(
    *,
    order_id,
    method: str,
    actor: Actor,
    partner_id: int | None = None,
    expected_total: Decimal | str | None = None,
) -> Order:
    """Collect payment (wallet debit or invoice accrual) and start issuing every line.

    Allowed only for a PENDING, unexpired order whose lines are all RESERVED. Everything happens
    in one transaction on the locked order, so two finalizations at once debit once.
    """
    if method == BillingMode.GATEWAY:
        raise InvalidInput("Gateway orders are finalized by their payment; use checkout.")
    if method not in FINALIZE_METHODS:
        raise InvalidInput(f"Unknown payment method {method!r}.", allowed=list(FINALIZE_METHODS))
    now = timezone.now()
    with transaction.atomic(), batched():
        order = lock_order(order_id, partner_id=partner_id)
        _check_open(order, now)
        if method not in order.partner.billing_modes:
            raise BillingModeNotAllowed(
                f"Billing mode {method!r} is not enabled for this partner.",
                allowed=order.partner.billing_modes,
            )
        if order.payment_method and method != order.payment_method:
            raise InvalidInput(
                f"Order {order.reference} is paid by {order.payment_method}, chosen when it was created.",
                allowed=[order.payment_method],
            )
        if expected_total is not None:
            _check_expected_total(order, expected_total)
        lines = lock_lines(order)
        check_reserved(lines)
        payments_collection.payment_collect(order=order, method=method, actor=actor)
        _start_issuing(order, lines, method=method, actor=actor, now=now)
    return order


def order_finalize_instant(*, order: Order, lines: list[OrderLine], actor: Actor) -> Order | None:
    """Finalize an instant order the moment its last line is RESERVED, in the worker's transaction
    on the locked order and lines: the method chosen at creation pays (a wallet hold becomes the
    debit; an invoice accrues) and issuing starts. An order already past ``expires_at`` is left
    for the expiry sweep, which releases its hold; None then.
    """
    now = timezone.now()
    if order.status != OrderStatus.PENDING or order.expires_at <= now:
        return None
    check_reserved(lines)
    payments_collection.payment_collect(order=order, method=order.payment_method, actor=actor)
    _start_issuing(order, lines, method=order.payment_method, actor=actor, now=now)
    return order


def order_finalize_paid(*, order: Order, lines: list[OrderLine], payment: Payment, actor: Actor) -> Order:
    """Finalize a PENDING order whose gateway payment the provider has confirmed (PAID).

    The caller holds the locks on the order, its lines and the payment, in that order, and has
    captured the payment in the same transaction. The checks are those of ``order_finalize``;
    they raise (an InvalidState) before anything is written, so a caller whose order can no
    longer be finalized can give the money back instead.
    """
    check_payable(order, lines, timezone.now())
    if payment.status != PaymentStatus.PAID or payment.amount != order.total_amount:
        raise InvalidState(
            f"Payment {payment.pk} does not cover order {order.reference}.", payment_status=payment.status
        )
    _start_issuing(order, lines, method=BillingMode.GATEWAY, actor=actor, now=timezone.now())
    return order


def _check_open(order: Order, now) -> None:
    if order.status != OrderStatus.PENDING:
        raise InvalidState(
            f"Order {order.reference} is {order.status}; only PENDING orders can be finalized.",
            status=order.status,
        )
    if order.expires_at <= now:
        raise OrderExpired(f"Order {order.reference} expired at {iso_utc(order.expires_at)}.")


def check_reserved(lines: list[OrderLine]) -> None:
    """Refuse (ORDER_NOT_READY) unless every line is RESERVED."""
    not_reserved = {line.position: line.status for line in lines if line.status != LineStatus.RESERVED}
    if not_reserved:
        raise OrderNotReady("Some lines are not reserved yet.", lines=not_reserved)


def check_payable(order: Order, lines: list[OrderLine], now) -> None:
    """Refuse unless a locked order could be finalized now: PENDING, unexpired, every line RESERVED."""
    _check_open(order, now)
    check_reserved(lines)


def _start_issuing(order: Order, lines: list[OrderLine], *, method: str, actor: Actor, now) -> None:
    apply_transition(order, "finalize", actor=actor, payment_method=method, at=now)
    for line in lines:
        apply_transition(line, "start_issuing", actor=actor, at=now)
    queue.issuance(line.pk for line in lines)


def _check_expected_total(order: Order, expected_total) -> None:
    try:
        expected = parse_exact(expected_total, order.currency)
    except ValueError as exc:
        raise InvalidInput(f"expectedTotal is not an amount in {order.currency}: {exc}") from exc
    if expected != order.total_amount:
        raise PriceChanged(
            f"The order's total is {format_amount(order.total_amount, order.currency)} {order.currency}, "
            f"not {format_amount(expected, order.currency)}.",
            total=format_amount(order.total_amount, order.currency),
            currency=order.currency,
        )
