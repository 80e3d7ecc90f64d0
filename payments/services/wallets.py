"""Partner wallets: top-ups, debits and credits, each one immutable ledger entry."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from orders.models import Order
from payments import ledger
from payments.locks import lock_wallet
from payments.models import LedgerEntry, LedgerKind, Wallet
from payments.signals import wallet_topped_up
from tessera.actors import Actor
from tessera.money import ZERO


def wallet_open(*, partner, currency: str) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(partner=partner, currency=currency)
    return wallet


def wallet_book(
    *,
    kind: LedgerKind,
    partner_id: int,
    currency: str,
    amount: Decimal,
    reference: str,
    actor: Actor,
    order: Order | None = None,
    memo: str = "",
) -> LedgerEntry:
    """Move money in or out of a partner's wallet: one immutable ledger entry, idempotent by
    ``reference``. A DEBIT larger than the balance raises InsufficientBalance and changes nothing;
    TOP_UP and CREDIT add money (a purchase of credits; money given back).
    """
    with transaction.atomic():
        wallet = lock_wallet(partner_id=partner_id, currency=currency)
        return ledger.book(
            wallet, kind=kind, amount=amount, reference=reference, actor=actor, order=order, memo=memo
        )


def wallet_top_up(
    *, partner_id: int, currency: str, amount: Decimal, reference: str, actor: Actor, memo: str = ""
) -> LedgerEntry:
    """Add money to the wallet and announce it (payments.signals.wallet_topped_up), once per
    ``reference``: a repeated top-up returns the first entry and announces nothing."""
    with transaction.atomic():
        wallet = lock_wallet(partner_id=partner_id, currency=currency)
        booked_before = LedgerEntry.objects.filter(wallet=wallet, reference=reference).exists()
        entry = wallet_book(
            kind=LedgerKind.TOP_UP,
            partner_id=partner_id,
            currency=currency,
            amount=amount,
            reference=reference,
            actor=actor,
            memo=memo,
        )
        if not booked_before:
            wallet_topped_up.send(sender=LedgerEntry, entry=entry, wallet=wallet)
        return entry


def wallet_ledger_total(wallet: Wallet) -> Decimal:
    """The balance as the ledger tells it; equals ``wallet.balance`` at all times."""
    return wallet.entries.aggregate(total=Sum("amount"))["total"] or ZERO
