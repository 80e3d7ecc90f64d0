"""Wallet movements: every change of a balance is one immutable ledger entry.

``book`` takes a wallet row the caller has locked, refuses to let the balance go below zero,
and is idempotent by ``reference``: booking the same movement twice returns the first entry.
"""

from decimal import Decimal

from orders.models import Order
from payments.errors import InsufficientBalance, InvalidAmount
from payments.models import LedgerEntry, LedgerKind, Wallet
from tessera import correlation
from tessera.actors import Actor
from tessera.money import format_amount, quantize


def book(
    wallet: Wallet,
    *,
    kind: str,
    amount: Decimal,
    reference: str,
    actor: Actor,
    order: Order | None = None,
    memo: str = "",
) -> LedgerEntry:
    existing = LedgerEntry.objects.filter(wallet=wallet, reference=reference).first()
    if existing is not None:
        return existing
    value = quantize(amount, wallet.currency)
    if value <= 0:
        raise InvalidAmount("Amounts must be greater than zero.", amount=str(amount))
    signed = -value if kind == LedgerKind.DEBIT else value
    if wallet.balance + signed < 0:
        raise InsufficientBalance(
            f"The wallet holds {format_amount(wallet.balance, wallet.currency)} {wallet.currency}; "
            f"{format_amount(value, wallet.currency)} is needed.",
            balance=format_amount(wallet.balance, wallet.currency),
            needed=format_amount(value, wallet.currency),
        )
    wallet.balance = wallet.balance + signed
    wallet.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        amount=signed,
        balance_after=wallet.balance,
        reference=reference,
        order=order,
        memo=memo[:255],
        actor_label=actor.label,
        correlation_id=correlation.current(),
    )
