"""Reads of the money side, always scoped to one partner."""

from django.db.models import QuerySet

from payments.models import LedgerEntry, Wallet


def wallets_of(partner_id: int) -> QuerySet[Wallet]:
    return Wallet.objects.filter(partner_id=partner_id).order_by("currency")


def wallet_of(*, partner_id: int, currency: str) -> Wallet | None:
    return wallets_of(partner_id).filter(currency=currency.upper()).first()


def ledger_of(wallet: Wallet) -> QuerySet[LedgerEntry]:
    """The wallet's entries, newest first."""
    return wallet.entries.select_related("wallet").order_by("-created_at", "-id")
