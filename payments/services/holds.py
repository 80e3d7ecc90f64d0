"""Wallet holds: an instant order's total set aside at creation, then debited or given back.

Placing a hold locks the wallet row (payments.locks), so two orders at once see each other's
holds and cannot together spend more than the available balance; the database also refuses a
``held`` above the balance. Each runs inside its caller's transaction (order creation, the
worker's settling of the order, a cancel or expiry) and records its audit event there.
"""

from orders.events import apply_transition
from orders.models import Order
from payments import events, ledger
from payments.locks import lock_held_hold, lock_wallet
from payments.models import LedgerEntry, LedgerKind, WalletHold
from tessera.actors import Actor


def hold_place(*, order: Order, actor: Actor) -> WalletHold | None:
    """Set the order's total aside on its partner's wallet; InsufficientBalance (402) if the
    available balance is lower, which undoes the caller's transaction: nothing is created.
    A free order holds nothing."""
    if order.total_amount <= 0:
        return None
    wallet = lock_wallet(partner_id=order.partner_id, currency=order.currency)
    if wallet.available < order.total_amount:
        raise ledger.insufficient(wallet, order.total_amount)
    wallet.held += order.total_amount
    wallet.save(update_fields=["held", "updated_at"])
    hold = WalletHold.objects.create(wallet=wallet, order=order, amount=order.total_amount)
    events.wallet_hold_placed(hold, actor=actor, available=wallet.available, currency=wallet.currency)
    return hold


def hold_capture(*, order: Order, actor: Actor) -> LedgerEntry:
    """Turn the order's hold into its debit: the held money leaves the wallet, once.

    The caller has locked the order; a second capture finds no HELD hold and books nothing again
    (the debit's reference is the one a plain wallet finalize uses, unique per wallet).
    """
    wallet = lock_wallet(partner_id=order.partner_id, currency=order.currency)
    hold = lock_held_hold(order)
    if hold is not None:
        wallet.held -= hold.amount
    entry = ledger.book(
        wallet,
        kind=LedgerKind.DEBIT,
        amount=order.total_amount,
        reference=f"order:{order.pk}:debit",
        actor=actor,
        order=order,
        memo=f"Order {order.reference}",
    )
    if hold is not None:
        apply_transition(hold, "capture", actor=actor, entry=entry, payload={"ledgerEntry": entry.pk})
    return entry


def hold_release(*, order: Order, actor: Actor, reason: str) -> WalletHold | None:
    """Give an ending order's held money back to the available balance; None if it held none."""
    wallet = lock_wallet(partner_id=order.partner_id, currency=order.currency)
    hold = lock_held_hold(order)
    if hold is None:
        return None
    wallet.held -= hold.amount
    wallet.save(update_fields=["held", "updated_at"])
    apply_transition(hold, "release", actor=actor, reason=reason, payload={"reason": reason})
    return hold
