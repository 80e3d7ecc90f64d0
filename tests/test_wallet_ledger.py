"""The wallet's ledger: every movement is one immutable entry; the balance never goes below zero.

Runs on SQLite and PostgreSQL. Concurrency of the same rules is proven in
tests/test_concurrency_postgres.py.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from orders.models import Order
from payments import ledger, locks
from payments.errors import InsufficientBalance, InvalidAmount
from payments.models import ImmutableRowError, LedgerEntry, LedgerKind, Payment, Wallet
from payments.services import finalization
from payments.services.wallets import wallet_ledger_total, wallet_top_up
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def wallet_of(partner, currency: str = "EUR") -> Wallet:
    return Wallet.objects.get(partner=partner, currency=currency)


def top_up(partner, amount, reference: str, currency: str = "EUR") -> LedgerEntry:
    return wallet_top_up(
        partner_id=partner.pk, currency=currency, amount=amount, reference=reference, actor=SYSTEM
    )


def debit(partner, amount, reference: str, currency: str = "EUR") -> LedgerEntry:
    """A debit booked as payment collection books it: on the locked wallet, in a transaction."""
    with transaction.atomic():
        wallet = locks.lock_wallet(partner_id=partner.pk, currency=currency)
        return ledger.book(
            wallet, kind=LedgerKind.DEBIT, amount=Decimal(amount), reference=reference, actor=SYSTEM
        )


def snapshot(partner, currency: str = "EUR") -> tuple[Decimal, list[tuple]]:
    wallet = wallet_of(partner, currency)
    entries = list(
        LedgerEntry.objects.filter(wallet=wallet)
        .order_by("pk")
        .values_list("pk", "kind", "amount", "balance_after")
    )
    return wallet.balance, entries


# --- booking ------------------------------------------------------------------------------


def test_top_up_books_a_top_up_entry_with_the_balance_after_it():
    partner = factories.partner(wallet="0")

    first = top_up(partner, Decimal("25.50"), "bank-1")
    second = top_up(partner, "4.50", "bank-2")

    wallet = wallet_of(partner)
    assert wallet.balance == Decimal("30.00")
    assert (first.kind, first.amount, first.balance_after) == (
        LedgerKind.TOP_UP,
        Decimal("25.50"),
        Decimal("25.50"),
    )
    stored = LedgerEntry.objects.get(pk=second.pk)
    assert (stored.kind, stored.amount, stored.balance_after) == (
        LedgerKind.TOP_UP,
        Decimal("4.50"),
        Decimal("30.00"),
    )
    assert stored.reference == "bank-2"
    assert stored.actor_label == SYSTEM.label
    assert stored.correlation_id
    assert wallet_ledger_total(wallet) == wallet.balance


def test_debit_books_a_negative_entry_and_lowers_the_balance():
    partner = factories.partner(wallet="100.00")

    entry = debit(partner, "30.00", "order:x:debit")

    assert (entry.kind, entry.amount, entry.balance_after) == (
        LedgerKind.DEBIT,
        Decimal("-30.00"),
        Decimal("70.00"),
    )
    wallet = wallet_of(partner)
    assert wallet.balance == Decimal("70.00")
    assert wallet_ledger_total(wallet) == Decimal("70.00")


def test_debit_of_exactly_the_balance_leaves_zero():
    partner = factories.partner(wallet="40.00")

    debit(partner, "40.00", "all-of-it")

    assert wallet_of(partner).balance == Decimal("0")


def test_debit_above_the_balance_is_refused_and_changes_nothing():
    partner = factories.partner(wallet="50.00")
    before = snapshot(partner)

    with pytest.raises(InsufficientBalance) as refused:
        debit(partner, "50.01", "too-much")

    assert refused.value.code == "INSUFFICIENT_BALANCE"
    assert refused.value.context == {"balance": "50.00", "available": "50.00", "needed": "50.01"}
    assert snapshot(partner) == before
    assert not LedgerEntry.objects.filter(reference="too-much").exists()


@pytest.mark.django_db(transaction=True)
def test_finalizing_an_order_the_wallet_cannot_cover_changes_nothing(worker):
    # given a reserved order of 100.00 and a wallet holding 99.99
    partner = factories.partner(wallet="99.99")
    order = factories.order(owner=partner, product_obj=factories.product(price="100.00"))
    worker()
    before = snapshot(partner)

    # when the partner finalizes with the wallet
    with pytest.raises(InsufficientBalance):
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))

    # then the order is still PENDING, unpaid, and the wallet untouched
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert not Payment.objects.filter(order=order).exists()
    assert snapshot(partner) == before


# --- idempotency --------------------------------------------------------------------------


def test_booking_the_same_reference_twice_returns_the_first_entry_and_moves_money_once():
    partner = factories.partner(wallet="0")

    first = top_up(partner, "20.00", "bank-transfer-77")
    again = top_up(partner, "20.00", "bank-transfer-77")

    assert again.pk == first.pk
    assert wallet_of(partner).balance == Decimal("20.00")
    assert LedgerEntry.objects.filter(reference="bank-transfer-77").count() == 1


def test_a_repeated_debit_reference_debits_once():
    partner = factories.partner(wallet="100.00")

    first = debit(partner, "10.00", "order:42:debit")
    again = debit(partner, "10.00", "order:42:debit")

    assert again.pk == first.pk
    assert wallet_of(partner).balance == Decimal("90.00")


def test_references_are_unique_per_wallet_not_globally():
    one, two = factories.partner(wallet="0"), factories.partner(wallet="0")

    top_up(one, "5.00", "shared-ref")
    top_up(two, "7.00", "shared-ref")

    assert wallet_of(one).balance == Decimal("5.00")
    assert wallet_of(two).balance == Decimal("7.00")


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00", "-0.01", "0.004"])
def test_zero_or_negative_amounts_are_refused_and_change_nothing(amount):
    partner = factories.partner(wallet="10.00")
    before = snapshot(partner)

    with pytest.raises(InvalidAmount):
        top_up(partner, Decimal(amount), "bad-top-up")
    with pytest.raises(InvalidAmount):
        debit(partner, amount, "bad-debit")

    assert snapshot(partner) == before


@pytest.mark.parametrize(
    ("currency", "given", "booked"),
    [
        ("EUR", "10.005", "10.00"),  # half-even: the 0 before the 5 is even, stays
        ("EUR", "10.015", "10.02"),  # half-even: the 1 before the 5 is odd, goes up
        ("EUR", "10.0149", "10.01"),
        ("JPY", "1000.5", "1000"),  # no minor unit
        ("JPY", "1001.5", "1002"),
        ("KWD", "1.2345", "1.234"),  # three decimals
    ],
)
def test_amounts_are_rounded_half_even_to_the_currency(currency, given, booked):
    partner = factories.partner(wallet="0", currency=currency)

    entry = top_up(partner, Decimal(given), "rounded", currency=currency)

    stored = LedgerEntry.objects.get(pk=entry.pk)
    wallet = wallet_of(partner, currency)
    assert stored.amount == Decimal(booked)
    assert stored.balance_after == Decimal(booked)
    assert wallet.balance == Decimal(booked)
    assert wallet_ledger_total(wallet) == Decimal(booked)


def test_a_jpy_debit_of_fractional_yen_is_rounded_before_the_balance_check():
    partner = factories.partner(wallet="0", currency="JPY")
    top_up(partner, "100", "yen", currency="JPY")

    # 100.4 rounds to 100, exactly what the wallet holds
    entry = debit(partner, "100.4", "yen-debit", currency="JPY")

    assert entry.amount == Decimal("-100")
    assert wallet_of(partner, "JPY").balance == Decimal("0")


# --- immutability and database guards -----------------------------------------------------


def test_saving_an_existing_ledger_entry_is_refused():
    partner = factories.partner(wallet="0")
    entry = top_up(partner, "12.00", "fixed")

    entry.amount = Decimal("1200.00")
    with pytest.raises(ImmutableRowError):
        entry.save()

    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("12.00")


def test_deleting_a_ledger_entry_is_refused():
    partner = factories.partner(wallet="0")
    entry = top_up(partner, "12.00", "kept")

    with pytest.raises(ImmutableRowError):
        entry.delete()

    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_a_negative_wallet_balance_even_through_a_raw_update():
    partner = factories.partner(wallet="5.00")
    wallet = wallet_of(partner)

    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(balance=Decimal("-0.01"))

    assert wallet_of(partner).balance == Decimal("5.00")


def test_the_database_refuses_a_ledger_entry_with_a_negative_balance_after_or_a_zero_amount():
    partner = factories.partner(wallet="5.00")
    wallet = wallet_of(partner)
    row = dict(wallet=wallet, kind=LedgerKind.DEBIT, actor_label="tests", correlation_id="c")

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            amount=Decimal("-6.00"), balance_after=Decimal("-1.00"), reference="neg", **row
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            amount=Decimal("0"), balance_after=Decimal("5.00"), reference="zero", **row
        )

    assert LedgerEntry.objects.filter(wallet=wallet).count() == 1


def test_the_database_refuses_a_second_entry_with_the_same_reference():
    partner = factories.partner(wallet="5.00")
    wallet = wallet_of(partner)
    existing = LedgerEntry.objects.get(wallet=wallet)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            wallet=wallet,
            kind=LedgerKind.TOP_UP,
            amount=Decimal("1.00"),
            balance_after=Decimal("6.00"),
            reference=existing.reference,
            actor_label="tests",
            correlation_id="c",
        )


def test_ledger_entries_cannot_be_rewritten_or_deleted_in_bulk():
    owner = factories.partner(wallet="50.00")
    entries = LedgerEntry.objects.filter(wallet__partner=owner)

    with pytest.raises(ImmutableRowError):
        entries.update(amount=Decimal("1.00"))
    with pytest.raises(ImmutableRowError):
        entries.delete()
    assert [str(e.amount) for e in entries] == ["50.000"]


@pytest.mark.postgres
def test_database_refuses_to_change_ledger_rows_even_with_raw_sql():
    owner = factories.partner(wallet="50.00")
    entry = LedgerEntry.objects.get(wallet__partner=owner)

    for statement in (
        "UPDATE payments_ledgerentry SET amount = 1 WHERE id = %s",
        "DELETE FROM payments_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("50.000")
