"""Confirming an amendment's draft version: its balance is paid or given back, and it becomes current.

It lives in payments because it moves money (as finalizing does); the draft itself is opened,
reset and expired by orders (orders.services.amendments). A gateway order's positive balance is
paid on the hosted checkout first (payments.services.amendment_payment): confirming asks for that
payment, and the provider's word that it is PAID confirms the draft (``amendment_confirm_paid``).
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders import events, queue
from orders.errors import AmendmentExpired, AmendmentNotOpen, PriceChanged
from orders.events import apply_transition, batched
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine, OrderVersion
from orders.services.amendment_returns import lines_to_return
from orders.services.amendments import (
    draft_lines,
    draft_of,
    travellers_change_confirm,
    travellers_leaving_confirm,
)
from orders.services.revocation import vouchers_revoke_for_lines
from orders.statuses import AmendmentStatus, BillingMode
from payments.models import LedgerKind, Payment
from payments.services.amendment_payment import amendment_payment_request
from payments.services.finalization import check_reserved
from payments.services.invoicing import invoice_accrue_amendment
from payments.services.refunds import refund_amendment
from payments.services.wallets import wallet_book
from tessera.actors import Actor
from tessera.errors import InvalidInput, InvalidState
from tessera.money import format_amount, parse_exact
from tessera.times import iso_utc


def amendment_confirm(
    *,
    order_id,
    number: int,
    expected_balance: Decimal | str,
    actor: Actor,
    partner_id: int | None = None,
) -> OrderVersion:
    """Make draft ``number`` the order's current version, in one transaction on the locked order.

    Refused unless the draft is open and unexpired, ``expected_balance`` is its balance
    (PRICE_CHANGED) and every new line is RESERVED (ORDER_NOT_READY). Then the balance moves (a
    wallet order: debit when positive, credit when negative; a gateway order: a refund through
    the provider when negative), the removed lines leave with their vouchers revoked and are given
    back at their suppliers after commit, and the new lines start issuing (the order is
    PROCESSING until they settle). Two confirmations at once: the second waits for the order's
    lock and finds no open draft.

    A gateway order's positive balance is not moved here: the draft is returned still DRAFT,
    with a hosted-checkout payment asked for it (the same one while it is open), whose success
    confirms it (``amendment_confirm_paid``).
    """
    now = timezone.now()
    with transaction.atomic(), batched():
        order = lock_order(order_id, partner_id=partner_id)
        version = draft_of(order, number)
        if version.expires_at <= now:
            raise AmendmentExpired(
                f"Version {number} of order {order.reference} expired at {iso_utc(version.expires_at)}.",
                version=number,
            )
        _check_expected_balance(version, expected_balance)
        lines = lock_lines(order)
        new, removed = draft_lines(lines, number)
        check_reserved(new)
        if order.payment_method == BillingMode.GATEWAY and version.balance > 0:
            amendment_payment_request(order=order, version=version, actor=actor, now=now)
            return version
        _make_current(order, version, lines, actor=actor, now=now, paid_by=None)
    return version


def amendment_confirm_paid(
    *, order: Order, lines: list[OrderLine], payment: Payment, actor: Actor
) -> OrderVersion:
    """Confirm the draft a gateway payment paid for (payments.services.gateway, which holds the
    locks of the order, its lines and the payment, in that order, and captured the payment in this
    transaction).

    Refused before anything is written (an InvalidState) if the draft can no longer be confirmed:
    reset or expired, a new line no longer RESERVED, or a balance that is no longer the payment's
    amount; the caller then gives the money back.
    """
    now = timezone.now()
    version = OrderVersion.objects.get(pk=payment.amendment_id)
    if version.status != AmendmentStatus.DRAFT:
        raise AmendmentNotOpen(
            f"Version {version.number} of order {order.reference} is {version.status}.",
            version=version.number,
        )
    if version.expires_at <= now:
        raise AmendmentExpired(
            f"Version {version.number} of order {order.reference} expired at {iso_utc(version.expires_at)}.",
            version=version.number,
        )
    if payment.amount != version.balance:
        raise InvalidState(
            f"Payment {payment.pk} does not cover version {version.number} of order {order.reference}.",
            balance=format_amount(version.balance, version.currency),
        )
    new, _removed = draft_lines(lines, version.number)
    check_reserved(new)
    with batched():
        _make_current(order, version, lines, actor=actor, now=now, paid_by=payment)
    return version


def _make_current(
    order: Order, version: OrderVersion, lines: list[OrderLine], *, actor: Actor, now, paid_by: Payment | None
) -> None:
    """The checked draft becomes the order's version: the removed lines leave, changed travellers'
    lines move to their new rows, the balance moves (or was paid by ``paid_by``, the draft's
    captured gateway payment), the new lines issue."""
    number = version.number
    new, removed = draft_lines(lines, number)
    # Lock order: the removed lines' vouchers before the wallet (orders/locks.py).
    exchanged = {line.replaces_id: line.pk for line in new if line.replaces_id}
    for line in removed:
        if line.pk in exchanged:
            payload = {"version": number, "replacedBy": exchanged[line.pk]}
            apply_transition(line, "exchange", actor=actor, payload=payload)
        else:
            apply_transition(line, "remove", actor=actor, payload={"version": number})
    vouchers_revoke_for_lines(lines=removed, reason=f"Superseded by version {number}", actor=actor)
    queue.returns(line.pk for line in lines_to_return(removed, new))
    travellers_change_confirm(order=order, lines=lines, number=number, actor=actor)
    travellers_leaving_confirm(order=order, lines=lines, number=number)
    reference = f"payment:{paid_by.pk}" if paid_by is not None else _settle(order, version, actor=actor)
    apply_transition(
        version,
        "confirm",
        actor=actor,
        at=now,
        settlement_reference=reference,
        payload={
            "version": number,
            "balance": format_amount(version.balance, version.currency),
            "currency": version.currency,
            "added": [line.position for line in new],
            "removed": [line.position for line in removed],
        },
    )
    order.version = number
    order.total_amount = version.total_amount
    if new:
        apply_transition(order, "amend", actor=actor, payload={"version": number})
        for line in new:
            events.line_added(line, actor=actor, version=number)
            apply_transition(line, "start_issuing", actor=actor, at=now)
        queue.issuance(line.pk for line in new)
    else:
        order.save(update_fields=["version", "total_amount", "updated_at"])


def _check_expected_balance(version: OrderVersion, expected_balance) -> None:
    try:
        expected = parse_exact(expected_balance, version.currency)
    except ValueError as exc:
        raise InvalidInput(f"expectedBalance is not an amount in {version.currency}: {exc}") from exc
    if expected != version.balance:
        balance = format_amount(version.balance, version.currency)
        raise PriceChanged(
            f"The amendment's balance is {balance} {version.currency}, not "
            f"{format_amount(expected, version.currency)}.",
            balance=balance,
            currency=version.currency,
        )


def _settle(order: Order, version: OrderVersion, *, actor: Actor) -> str:
    """Move the balance the way the order was paid (wallet: a ledger entry; invoice: an item on the
    month's invoice; gateway: a refund through the provider, for a negative balance); the
    reference of what moved it, or ''."""
    if version.balance == 0:
        return ""
    if order.payment_method == BillingMode.INVOICE:
        return f"invoice-item:{invoice_accrue_amendment(order=order, version=version, actor=actor).pk}"
    if order.payment_method == BillingMode.GATEWAY and version.balance < 0:
        return f"refund:{refund_amendment(order=order, version=version, actor=actor)[0].pk}"
    if order.payment_method != BillingMode.WALLET:  # a positive gateway balance is paid at checkout
        raise InvalidState(f"Order {order.reference} cannot move this balance here.")
    kind = LedgerKind.DEBIT if version.balance > 0 else LedgerKind.CREDIT
    entry = wallet_book(
        kind=kind,
        partner_id=order.partner_id,
        currency=version.currency,
        amount=abs(version.balance),
        reference=f"amendment:{version.pk}",
        actor=actor,
        order=order,
        memo=f"Order {order.reference}, version {version.number}",
    )
    return f"ledger:{entry.pk}"
