"""Reads of the money side, always scoped to one partner."""

from decimal import Decimal

from django.conf import settings
from django.db.models import F, QuerySet

from payments.models import LedgerEntry, Wallet


def wallets_of(partner_id: int) -> QuerySet[Wallet]:
    return Wallet.objects.filter(partner_id=partner_id).order_by("currency")


def wallet_of(*, partner_id: int, currency: str) -> Wallet | None:
    return wallets_of(partner_id).filter(currency=currency.upper()).first()


def ledger_of(wallet: Wallet) -> QuerySet[LedgerEntry]:
    """The wallet's entries, newest first."""
    return wallet.entries.select_related("wallet").order_by("-created_at", "-id")


def wallets_running_low() -> QuerySet[Wallet]:
    """Wallets of active partners with less than WALLET_LOW_BALANCE available (the balance less
    what instant orders hold), emptiest first."""
    threshold = Decimal(settings.WALLET_LOW_BALANCE)
    return (
        Wallet.objects.annotate(spendable=F("balance") - F("held"))
        .filter(spendable__lt=threshold, partner__is_active=True)
        .select_related("partner")
        .order_by("spendable", "pk")
    )
