"""Amendments racing each other and refunds: one wins, the others get a 409, money stays exact.

PostgreSQL, real threads released together (tests/threads.py), each calling the real service on
its own connection.
"""

from collections import Counter
from decimal import Decimal

import pytest

from orders.models import Order, OrderVersion
from orders.services import amendments
from orders.services.amendments import Exchange
from payments.models import LedgerEntry, Refund
from payments.services.amendment_confirmation import amendment_confirm
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tests.amendment_support import delivered_train_order, ledger_out, lines, offer_for, paid_minus_refunded
from tests.refund_support import assert_wallet_agrees_with_ledger
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def errors_of(outcomes) -> Counter:
    return Counter(type(o.error).__name__ for o in outcomes if o.error is not None)


def test_confirming_one_draft_ten_times_at_once_makes_one_version_and_one_payment(wallet_partner, worker):
    # given a draft exchanging a 100.00 ticket for a 130.00 one, its new line reserved
    order = delivered_train_order(wallet_partner, worker=worker)
    actor = Actor.partner(wallet_partner)
    offer = offer_for(wallet_partner, price="130.00")
    amendments.amendment_open(
        order_id=order.pk, exchange=[Exchange(line_id=lines(order)[0].pk, offer_id=offer.pk)], actor=actor
    )
    worker()

    # when ten confirmations arrive together
    outcomes = run_concurrently(
        lambda _n: amendment_confirm(order_id=order.pk, number=2, expected_balance="30.00", actor=actor),
        range(10),
        threads=10,
    )

    # then one confirmed it, the nine others found no open draft (409)
    assert len([o for o in outcomes if o.error is None]) == 1
    assert errors_of(outcomes) == Counter({"AmendmentNotOpen": 9})
    assert OrderVersion.objects.get(order=order).status == "CONFIRMED"
    # and the wallet was debited the balance once
    debits = LedgerEntry.objects.filter(order=order, reference__startswith="amendment:")
    assert list(debits.values_list("amount", flat=True)) == [Decimal("-30.00")]
    worker()
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("230.00")
    assert_wallet_agrees_with_ledger(wallet_partner)


def test_an_amendment_racing_a_refund_of_the_same_line_lets_one_win_and_money_stays_exact(
    wallet_partner, worker
):
    # given a delivered order of two 100.00 tickets
    order = delivered_train_order(wallet_partner, worker=worker)
    target = lines(order)[1]
    actor = Actor.partner(wallet_partner)

    def act(kind: str):
        if kind == "amend":
            version = amendments.amendment_open(order_id=order.pk, remove=[target.pk], actor=actor)
            return amendment_confirm(
                order_id=order.pk, number=version.number, expected_balance="-100.00", actor=actor
            )
        return refund_request(
            order_id=order.pk,
            line_ids=[target.pk],
            reason="requested",
            note="",
            actor=actor,
            idempotency_key="r",
        )

    # when a removal of line 2 and a refund of line 2 arrive together, five times each
    outcomes = run_concurrently(act, ["amend", "refund"] * 5, threads=10)
    worker()

    # then the line went back once, by one of them, and every other attempt was a 409
    winners = [o for o in outcomes if o.error is None]
    assert all(o.error.http_status in {409, 404} for o in outcomes if o.error is not None), errors_of(
        outcomes
    )
    kinds = {o.item for o in winners}
    assert len(kinds) == 1, errors_of(outcomes)
    confirmed = OrderVersion.objects.filter(order=order, status="CONFIRMED").count()
    refunded = Refund.objects.filter(order=order, status="SUCCEEDED").count()
    assert confirmed + refunded == 1
    # and exactly 100.00 came back
    assert ledger_out(order) == paid_minus_refunded(order) == Decimal("100.00")
    assert_wallet_agrees_with_ledger(wallet_partner)


def test_ten_amendments_of_one_order_at_once_open_one_draft(wallet_partner, worker):
    # given a delivered order of two tickets and ten partners' offers to exchange its first for
    order = delivered_train_order(wallet_partner, worker=worker)
    first = lines(order)[0]
    actor = Actor.partner(wallet_partner)
    offers = [offer_for(wallet_partner, price="110.00") for _ in range(10)]

    # when ten exchanges arrive together
    outcomes = run_concurrently(
        lambda offer: amendments.amendment_open(
            order_id=order.pk, exchange=[Exchange(line_id=first.pk, offer_id=offer.pk)], actor=actor
        ),
        offers,
        threads=10,
    )

    # then one draft was opened with one new line, and the nine others were told AMENDMENT_OPEN
    assert len([o for o in outcomes if o.error is None]) == 1
    assert errors_of(outcomes) == Counter({"AmendmentOpen": 9})
    assert OrderVersion.objects.filter(order=order).count() == 1
    assert len(lines(order)) == 3
