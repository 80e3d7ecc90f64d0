"""Wallet movements: every change of a balance is one immutable ledger entry.

``book`` takes a wallet row the caller has locked, refuses a debit larger than the available
balance (the balance less what holds set aside: ``Wallet.held``), and is idempotent by
``reference``: booking the same movement twice returns the first entry. Capturing a hold lowers
``held`` before it books the debit, so the held money pays for its own order.
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
    if wallet.available + signed < 0:
        raise insufficient(wallet, value)
    wallet.balance = wallet.balance + signed
    wallet.save(update_fields=["balance", "held", "updated_at"])
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


def insufficient(wallet: Wallet, needed: Decimal) -> InsufficientBalance:
    """The 402 of a wallet whose available balance is below ``needed``."""
    currency = wallet.currency
    held = f" ({format_amount(wallet.held, currency)} of it held for orders)" if wallet.held else ""
    return InsufficientBalance(
        f"The wallet holds {format_amount(wallet.balance, currency)} {currency}{held}; "
        f"{format_amount(needed, currency)} is needed.",
        balance=format_amount(wallet.balance, currency),
        available=format_amount(wallet.available, currency),
        needed=format_amount(needed, currency),
    )
