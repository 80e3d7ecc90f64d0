"""Row locks hold under real concurrency: many threads, each with its own PostgreSQL connection.

Every test starts its threads together on a barrier, lets each call the real service, and then
checks the invariants a partner would care about: one payment, one debit, one order per offer,
a balance that equals its ledger and never goes below zero. SQLite has no row locks, so these
run on PostgreSQL only (conftest skips them elsewhere).
"""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderLine, Voucher
from orders.services import creation
from payments.errors import InsufficientBalance
from payments.models import LedgerEntry, LedgerKind, Payment, PaymentStatus, Wallet
from payments.services import finalization
from payments.services.wallets import wallet_ledger_total, wallet_top_up
from suppliers.errors import OfferAlreadyUsed
from suppliers.models import SandboxBooking, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor
from tessera.errors import InvalidState
from tests import factories
from tests.queue_helpers import queued_line_ids
from tests.threads import Outcome, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ISSUE_TASK = "orders.tasks.issue_line"


def split(outcomes: list[Outcome]) -> tuple[list[Outcome], list[Outcome]]:
    return [o for o in outcomes if o.error is None], [o for o in outcomes if o.error is not None]


def error_kinds(outcomes: list[Outcome]) -> Counter:
    return Counter(type(o.error).__name__ for o in outcomes if o.error is not None)


def wallet_of(partner) -> Wallet:
    return Wallet.objects.get(partner=partner, currency="EUR")


def assert_ledger_chain_consistent(wallet: Wallet) -> list[LedgerEntry]:
    """Entries, in the order they were booked, each leave balance_after = previous + amount >= 0."""
    entries = list(LedgerEntry.objects.filter(wallet=wallet).order_by("pk"))
    running = Decimal("0")
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running, (
            f"entry {entry.pk} says {entry.balance_after}, ledger says {running}"
        )
        assert entry.balance_after >= 0
    wallet.refresh_from_db()
    assert wallet.balance == running == wallet_ledger_total(wallet)
    return entries


def finalize_with_wallet(partner) -> Callable[[int], Order]:
    actor = Actor.partner(partner)

    def call(order_id: int) -> Order:
        return finalization.order_finalize(order_id=order_id, method="wallet", actor=actor)

    return call


# --- one order, many finalizations --------------------------------------------------------


def test_twenty_finalizations_of_one_order_at_once_pay_and_issue_once(worker):
    # given a reserved order of two tickets (200.00) and a wallet of 1000.00
    partner = factories.partner(wallet="1000.00")
    order = factories.order(owner=partner, product_obj=factories.product(price="100.00"), quantity=2)
    worker()
    line_ids = set(OrderLine.objects.filter(order=order).values_list("pk", flat=True))
    assert len(line_ids) == 2
    assert set(OrderLine.objects.filter(order=order).values_list("status", flat=True)) == {"RESERVED"}

    # when twenty requests finalize it at the same moment
    outcomes = run_concurrently(finalize_with_wallet(partner), [order.pk] * 20, threads=20)

    # then exactly one wins and the others are told the order is no longer PENDING
    won, lost = split(outcomes)
    assert len(won) == 1, error_kinds(outcomes)
    assert len(lost) == 19
    assert all(isinstance(o.error, InvalidState) for o in lost), error_kinds(outcomes)

    # and the money moved once
    payments = Payment.objects.filter(order=order)
    assert payments.count() == 1
    assert payments.get().status == PaymentStatus.PAID
    debits = LedgerEntry.objects.filter(order=order, kind=LedgerKind.DEBIT)
    assert debits.count() == 1
    assert debits.get().amount == Decimal("-200.00")
    assert wallet_of(partner).balance == Decimal("800.00")
    assert_ledger_chain_consistent(wallet_of(partner))
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"
    assert order.events.filter(subject_type="order", transition="order.finalized").count() == 1

    # and one issue task per line was queued
    assert sorted(queued_line_ids("issue_line")) == sorted(line_ids)

    # when the worker runs, each line is issued once at the supplier
    worker()
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert Voucher.objects.filter(line__order=order).count() == len(line_ids)
    bookings = SandboxBooking.objects.filter(line_key__in=[f"line:{pk}" for pk in line_ids])
    assert bookings.count() == len(line_ids)
    assert [len(booking.issued_keys) for booking in bookings] == [1] * len(line_ids)


# --- one wallet, many orders --------------------------------------------------------------


def test_two_hundred_finalizations_on_one_wallet_spend_exactly_the_balance(worker):
    # given 200 reserved orders of 10.00 each and a wallet that covers exactly 100 of them
    partner = factories.partner(wallet="1000.00")
    product = factories.product(kind=SupplierKind.EVENT, price="10.00")
    order_ids = [factories.order(owner=partner, product_obj=product).pk for _ in range(200)]
    worker()
    assert OrderLine.objects.filter(order_id__in=order_ids, status="RESERVED").count() == 200

    # when all 200 are finalized at once from 20 threads
    outcomes = run_concurrently(finalize_with_wallet(partner), order_ids, threads=20)

    # then exactly 100 are paid and 100 refused for lack of money, nothing else
    assert len(outcomes) == 200
    won, lost = split(outcomes)
    assert len(won) == 100, error_kinds(outcomes)
    assert len(lost) == 100
    assert all(isinstance(o.error, InsufficientBalance) for o in lost), error_kinds(outcomes)

    # and the wallet is exactly empty, never went below zero, and agrees with its ledger
    wallet = wallet_of(partner)
    assert wallet.balance == Decimal("0.00")
    entries = assert_ledger_chain_consistent(wallet)
    debits = [entry for entry in entries if entry.kind == LedgerKind.DEBIT]
    assert len(debits) == 100
    assert {entry.amount for entry in debits} == {Decimal("-10.00")}

    # and the orders that won are the PROCESSING ones, each with one paid payment and one debit
    paid_ids = {o.item for o in won}
    refused_ids = {o.item for o in lost}
    processing = set(Order.objects.filter(pk__in=order_ids, status="PROCESSING").values_list("pk", flat=True))
    pending = set(Order.objects.filter(pk__in=order_ids, status="PENDING").values_list("pk", flat=True))
    assert processing == paid_ids
    assert pending == refused_ids
    assert {entry.order_id for entry in debits} == paid_ids
    assert (
        set(
            Payment.objects.filter(order_id__in=order_ids, status=PaymentStatus.PAID).values_list(
                "order_id", flat=True
            )
        )
        == paid_ids
    )
    assert Payment.objects.filter(order_id__in=order_ids).count() == 100
    assert not Payment.objects.filter(order_id__in=refused_ids).exists()
    assert DBTaskResult.objects.filter(task_path=ISSUE_TASK).count() == 100


# --- one offer, many orders ---------------------------------------------------------------


def test_ten_orders_from_one_offer_at_once_create_one_order():
    # given one offer for two tickets
    partner = factories.partner(wallet="1000.00")
    offer = offer_quote(partner=partner, product_id=factories.product(kind=SupplierKind.EVENT).pk, quantity=2)
    actor = Actor.partner(partner)

    def create(_: int) -> Order:
        return creation.order_create(partner=partner, offer_ids=[offer.pk], actor=actor)

    # when ten requests order it at the same moment
    outcomes = run_concurrently(create, range(10), threads=10)

    # then one order exists and the nine others were told the offer is used
    won, lost = split(outcomes)
    assert len(won) == 1, error_kinds(outcomes)
    assert all(isinstance(o.error, OfferAlreadyUsed) for o in lost), error_kinds(outcomes)
    assert len(lost) == 9
    order = Order.objects.get(partner=partner)
    assert order.pk == won[0].result.pk
    assert OrderLine.objects.filter(offer=offer).count() == 2
    assert OrderLine.objects.filter(order=order).count() == 2
    assert sorted(queued_line_ids("reserve_line")) == sorted(
        OrderLine.objects.filter(order=order).values_list("pk", flat=True)
    )


# --- top-ups and debits racing on one wallet ----------------------------------------------


def test_top_ups_and_debits_racing_on_one_wallet_keep_the_ledger_consistent(worker):
    # given a wallet of 30.00, 20 reserved orders of 10.00, and 20 top-ups of 5.00 of which
    # every reference is sent twice (a client retrying)
    partner = factories.partner(wallet="30.00")
    product = factories.product(kind=SupplierKind.EVENT, price="10.00")
    order_ids = [factories.order(owner=partner, product_obj=product).pk for _ in range(20)]
    worker()
    top_up_refs = [f"race-top-up-{n}" for n in range(10)] * 2
    finalize = finalize_with_wallet(partner)
    system = Actor.system("tests")

    def act(item: tuple[str, Any]):
        kind, value = item
        if kind == "finalize":
            return finalize(value)
        return wallet_top_up(
            partner_id=partner.pk,
            currency="EUR",
            amount=Decimal("5.00"),
            reference=value,
            actor=system,
        )

    work = []  # the two kinds interleaved, so both are in flight from the start
    for pk, ref in zip(order_ids, top_up_refs, strict=True):
        work += [("finalize", pk), ("top_up", ref)]

    # when all of it runs at once from 20 threads
    outcomes = run_concurrently(act, work, threads=20)

    # then only a lack of money was ever refused
    assert len(outcomes) == 40
    won, lost = split(outcomes)
    assert all(isinstance(o.error, InsufficientBalance) for o in lost), error_kinds(outcomes)
    assert all(o.item[0] == "finalize" for o in lost)

    # and each top-up reference moved money once, whichever of its two requests came first
    wallet = wallet_of(partner)
    entries = assert_ledger_chain_consistent(wallet)
    top_ups = [e for e in entries if e.kind == LedgerKind.TOP_UP and e.reference.startswith("race-top-up-")]
    assert sorted(e.reference for e in top_ups) == sorted(set(top_up_refs))
    for o in won:
        if o.item[0] == "top_up":
            assert o.result.reference == o.item[1]
            assert o.result.pk in {e.pk for e in top_ups}

    # and the balance is what the successful operations add up to
    paid = {o.item[1] for o in won if o.item[0] == "finalize"}
    debits = [e for e in entries if e.kind == LedgerKind.DEBIT]
    assert {e.order_id for e in debits} == paid
    assert len(debits) == len(paid)
    assert wallet.balance == Decimal("30.00") + Decimal("5.00") * 10 - Decimal("10.00") * len(paid)
    assert (
        set(Order.objects.filter(pk__in=order_ids, status="PROCESSING").values_list("pk", flat=True)) == paid
    )
    # 80.00 in total can pay for at most 8 orders, and at least the first 3 were covered
    assert 3 <= len(paid) <= 8
