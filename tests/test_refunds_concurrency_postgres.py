"""Refunds asked at the same moment never return more than was paid (PostgreSQL, real threads).

Each test releases many threads together on a barrier, each calling the real refund service on
its own connection, then checks what a partner and an auditor care about: each line in at most
one live refund, the refunds' total within the payment, one refund per Idempotency-Key, and a
wallet that agrees with its ledger after the worker has run.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from orders.locks import lock_order
from orders.models import Order
from payments.models import Payment, Refund, RefundLine
from payments.services.refunds import refund_payment_in_full, refund_request
from tessera.actors import Actor
from tests import factories
from tests.refund_support import assert_wallet_agrees_with_ledger, delivered
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def errors_of(outcomes) -> Counter:
    return Counter(type(o.error).__name__ for o in outcomes if o.error is not None)


def asker(order: Order):
    actor = Actor.partner(order.partner)

    def call(item: tuple[str, list[int] | None]) -> Refund:
        key, line_ids = item
        return refund_request(
            order_id=order.pk,
            line_ids=line_ids,
            reason="requested",
            note="",
            actor=actor,
            idempotency_key=key,
        )

    return call


def assert_never_over_refunded(order: Order) -> None:
    live = Refund.objects.filter(order=order).exclude(status="FAILED")
    payment = Payment.objects.get(order=order)
    assert (live.aggregate(total=Sum("amount"))["total"] or 0) <= payment.amount
    per_line = Counter(RefundLine.objects.filter(refund__in=live).values_list("line_id", flat=True))
    assert all(count == 1 for count in per_line.values()), per_line


def test_ten_full_refunds_at_once_accept_exactly_one(wallet_partner, worker):
    # given a delivered order of three tickets
    order = delivered(wallet_partner, factories.product(price="100.00"), worker=worker, quantity=3)

    # when ten partners' requests for a full refund arrive together, each with its own key
    outcomes = run_concurrently(asker(order), [(f"full-{n}", None) for n in range(10)], threads=10)

    # then one was accepted, the nine others a clear conflict
    accepted = [o.result for o in outcomes if o.error is None]
    assert len(accepted) == 1
    assert errors_of(outcomes) == Counter({"LineNotRefundable": 9})
    assert all(o.error.http_status == 409 for o in outcomes if o.error is not None)
    assert accepted[0].amount == Decimal("300.00")
    assert_never_over_refunded(order)

    # and once the worker has run, the money went back once
    worker()
    assert Refund.objects.get(pk=accepted[0].pk).status == "SUCCEEDED"
    assert Order.objects.get(pk=order.pk).status == "REFUNDED"
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == Decimal("1000.00")


def test_per_line_refunds_racing_each_refund_each_line_once(wallet_partner, worker):
    # given a delivered order of four tickets
    order = delivered(wallet_partner, factories.product(price="25.00"), worker=worker, quantity=4)
    lines = list(order.lines.order_by("position").values_list("pk", flat=True))

    # when each line is asked for three times, and the whole order twice, all at once
    items = [(f"line-{n}-{line}", [line]) for n in range(3) for line in lines]
    items += [("all-1", None), ("all-2", None)]
    outcomes = run_concurrently(asker(order), items, threads=14)

    # then no line is in two refunds and the total stays within the payment
    accepted = [o.result for o in outcomes if o.error is None]
    assert set(errors_of(outcomes)) <= {"LineNotRefundable"}
    covered = sorted(RefundLine.objects.filter(refund__in=accepted).values_list("line_id", flat=True))
    assert covered == sorted(lines)
    assert sum(refund.amount for refund in accepted) == Decimal("100.00")
    assert_never_over_refunded(order)

    worker()
    assert set(Refund.objects.filter(order=order).values_list("status", flat=True)) == {"SUCCEEDED"}
    assert Payment.objects.get(order=order).status == "REFUNDED"
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == Decimal("1000.00")


def test_the_same_key_ten_times_at_once_makes_one_refund(wallet_partner, worker):
    order = delivered(wallet_partner, factories.product(price="40.00"), worker=worker)

    outcomes = run_concurrently(asker(order), [("same-key", None)] * 10, threads=10)

    assert errors_of(outcomes) == Counter()
    assert len({o.result.pk for o in outcomes}) == 1
    assert Refund.objects.filter(order=order).count() == 1


def test_line_refunds_racing_a_refund_of_the_whole_payment_reserve_exactly_what_was_paid(
    wallet_partner, worker
):
    # given a delivered order of two tickets of 50.00
    order = delivered(wallet_partner, factories.product(price="50.00"), worker=worker, quantity=2)
    lines = list(order.lines.values_list("pk", flat=True))
    ask_lines = asker(order)

    def call(item):
        if item != "whole":
            return ask_lines(item)
        with transaction.atomic():
            locked = lock_order(order.pk)
            payment = Payment.objects.get(order=order)
            return refund_payment_in_full(
                order=locked, payment=payment, reason="goodwill", actor=Actor.system("t")
            )

    # when the whole payment is returned (three times) while each line is asked for (three times)
    items = ["whole", *[(f"line-{line}", [line]) for line in lines]] * 3
    outcomes = run_concurrently(call, items, threads=9)

    # then whoever came first, exactly the payment was reserved, never more
    # (a line asked for after the whole payment is 409 REFUND_EXCEEDS_PAYMENT; the whole payment
    # asked for after both lines finds nothing left and makes no refund)
    assert set(errors_of(outcomes)) <= {"RefundExceedsPayment", "LineNotRefundable"}
    live = Refund.objects.filter(order=order).exclude(status="FAILED")
    assert live.aggregate(total=Sum("amount"))["total"] == Decimal("100.00")
    assert_never_over_refunded(order)
    worker()
    assert assert_wallet_agrees_with_ledger(wallet_partner).balance == Decimal("1000.00")
