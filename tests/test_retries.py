"""Retryable supplier errors are retried with exponential backoff; a duplicate task does nothing twice.

Given a supplier that is busy for its first calls, when the worker runs, then each failed call
re-queues the step for later with the next attempt number, and the step succeeds once the
supplier answers; when the attempts run out, the line is UNKNOWN (the supplier may still have
done it), never FAILED.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from orders import tasks
from orders.models import Order, OrderEvent, Voucher
from orders.services import fulfilment
from payments.models import LedgerEntry, Refund, Wallet
from payments.services import finalization
from suppliers.adapters import adapter_for
from tessera.actors import Actor
from tessera.background.retries import backoff_delay
from tessera.times import iso_utc
from tests import factories
from tests.queue_helpers import booking_of, queued, take_queued

pytestmark = pytest.mark.django_db(transaction=True)


def line_events(line, name: str) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(subject_type="line", subject_id=str(line.pk), transition=name))


def reserved_and_finalized(partner, product, worker) -> Order:
    order = factories.order(owner=partner, product_obj=product)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))
    return order


# --- backoff ------------------------------------------------------------------------------------------


def test_backoff_delay_doubles_with_each_attempt_within_the_jitter(settings):
    settings.TASK_RETRY_BASE_SECONDS = 2.0
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 1000.0

    for attempt, expected in zip(range(1, 6), [2, 4, 8, 16, 32], strict=True):
        delays = [backoff_delay(attempt) for _ in range(200)]
        assert all(0.8 * expected <= delay <= 1.2 * expected for delay in delays), (
            attempt,
            min(delays),
            max(delays),
        )
    # the jitter is real (retries of many lines do not all come back at the same instant)
    assert len({round(backoff_delay(3), 6) for _ in range(20)}) > 1


def test_backoff_delay_never_exceeds_the_maximum_delay(settings):
    settings.TASK_RETRY_BASE_SECONDS = 2.0
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 10.0

    for attempt in (5, 6, 10, 50):  # uncapped these would be 16 s and more
        delays = [backoff_delay(attempt) for _ in range(200)]
        assert 8.0 <= min(delays) and max(delays) <= 10.0, (attempt, min(delays), max(delays))


def test_backoff_delay_stays_capped_for_any_attempt_number(settings):
    # a reconcile that keeps waiting on a late supplier counts its attempts without limit
    settings.TASK_RETRY_BASE_SECONDS = 2.0
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 300.0

    assert backoff_delay(2000) <= 300.0 * 1.2


# --- a transient failure is retried later --------------------------------------------------------


def test_busy_supplier_requeues_the_reservation_for_later_with_the_next_attempt(
    settings, wallet_partner, worker
):
    # given: retry delays as in production, and a supplier busy for its first two calls
    settings.TASK_RETRY_BASE_SECONDS = 10.0
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 300.0
    product = factories.product(behaviour={"transient_failures": 2})
    order = factories.order(owner=wallet_partner, product_obj=product)
    line = order.lines.get()

    # when: the worker runs what is due now
    worker()

    # then: the first task answered "retry" and the next attempt waits in the queue
    first = DBTaskResult.objects.successful().get(task_path="orders.tasks.reserve_line")
    assert first.return_value == "retry"
    assert first.args_kwargs["kwargs"]["attempt"] == 1
    retry = queued("reserve_line", line.pk).get()
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.args_kwargs["kwargs"]["correlation_id"] == first.args_kwargs["kwargs"]["correlation_id"]
    assert retry.run_after - retry.enqueued_at >= timedelta(seconds=8)  # 10 s, less 20 % jitter
    assert not DBTaskResult.objects.ready().exists()

    line.refresh_from_db()
    assert line.status == "RESERVING"
    assert line.supplier_attempts == 1
    (event,) = line_events(line, "line.retry_scheduled")
    assert (event.payload["attempt"], event.payload["code"]) == (1, "BUSY")
    assert event.payload["nextAttemptAt"] == iso_utc(retry.run_after)


def test_busy_supplier_is_retried_until_the_reservation_succeeds(wallet_partner, worker):
    # given: a supplier busy for its first two calls (retry delays are 0 in tests)
    product = factories.product(behaviour={"transient_failures": 2})
    order = factories.order(owner=wallet_partner, product_obj=product)

    # when
    worker()

    # then
    assert not DBTaskResult.objects.failed().exists()
    line = order.lines.get()
    assert line.status == "RESERVED"
    assert booking_of(line).reserve_calls == 3
    assert [event.payload["attempt"] for event in line_events(line, "line.retry_scheduled")] == [1, 2]
    assert sorted(
        DBTaskResult.objects.filter(task_path="orders.tasks.reserve_line").values_list(
            "args_kwargs__kwargs__attempt", flat=True
        )
    ) == [1, 2, 3]


def test_busy_supplier_is_retried_until_the_line_is_issued(wallet_partner, worker):
    # given
    product = factories.product(behaviour={"transient_failures": 2})
    order = reserved_and_finalized(wallet_partner, product, worker)

    # when
    worker()

    # then: issued once, after two busy answers
    assert not DBTaskResult.objects.failed().exists()
    line = order.lines.get()
    assert line.status == "ISSUED"
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    booking = booking_of(line)
    assert booking.issue_calls == 3
    assert len(booking.issued_keys) == 1
    assert [event.payload["attempt"] for event in line_events(line, "line.retry_scheduled")] == [1, 2, 1, 2]


# --- attempts run out ---------------------------------------------------------------------------


def test_reservation_attempts_running_out_leave_the_line_unknown_not_failed(settings, wallet_partner):
    # given: two attempts allowed, and a supplier busy for far longer
    settings.TASK_MAX_ATTEMPTS = 2
    product = factories.product(behaviour={"transient_failures": 5})
    order = factories.order(owner=wallet_partner, product_obj=product)
    line = order.lines.get()
    take_queued("reserve_line")

    # when: both attempts run
    assert fulfilment.line_reserve(line_id=line.pk, attempt=1) == "retry"
    assert queued("reserve_line", line.pk).get().args_kwargs["kwargs"]["attempt"] == 2
    take_queued("reserve_line")
    outcome = fulfilment.line_reserve(line_id=line.pk, attempt=2)

    # then
    assert outcome == "unknown"
    line.refresh_from_db()
    assert (line.status, line.phase) == ("UNKNOWN", "reserve")
    assert "gave up after 2 attempts" in line.failure_reason
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert not queued("reserve_line", line.pk).exists()
    assert queued("reconcile_line", line.pk).count() == 1


def test_issue_attempts_running_out_leave_the_line_unknown_and_keep_the_money(
    settings, wallet_partner, worker
):
    # given: two attempts allowed, and a supplier busy for far longer when issuing
    # (reserving is busy for five calls too; six attempts get it reserved)
    settings.TASK_MAX_ATTEMPTS = 6
    product = factories.product(behaviour={"transient_failures": 5})
    order = reserved_and_finalized(wallet_partner, product, worker)
    line = order.lines.get()
    assert line.status == "ISSUING"
    settings.TASK_MAX_ATTEMPTS = 2
    take_queued("issue_line")
    balance_after_debit = Wallet.objects.get(partner=wallet_partner).balance

    # when: both issue attempts run
    assert fulfilment.line_issue(line_id=line.pk, attempt=1) == "retry"
    take_queued("issue_line")
    outcome = fulfilment.line_issue(line_id=line.pk, attempt=2)

    # then: nobody knows yet whether it was issued, so nothing is failed or refunded
    assert outcome == "unknown"
    line.refresh_from_db()
    assert (line.status, line.phase) == ("UNKNOWN", "issue")
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"
    assert not Refund.objects.filter(order=order).exists()
    assert Wallet.objects.get(partner=wallet_partner).balance == balance_after_debit
    assert balance_after_debit == Decimal("1000.00") - order.total_amount
    assert queued("reconcile_line", line.pk).count() == 1
    assert not Voucher.objects.filter(line=line).exists()


# --- duplicate tasks --------------------------------------------------------------------------------


def test_issue_task_delivered_twice_issues_once(wallet_partner, worker):
    # given: the issue task of a line is in the queue twice
    order = reserved_and_finalized(wallet_partner, factories.product(), worker)
    line = order.lines.get()
    tasks.issue_line.enqueue(line_id=line.pk)
    assert queued("issue_line", line.pk).count() == 2

    # when
    worker()

    # then
    assert not DBTaskResult.objects.failed().exists()
    assert sorted(
        DBTaskResult.objects.filter(task_path="orders.tasks.issue_line").values_list(
            "return_value", flat=True
        )
    ) == ["issued", "skipped"]
    assert Voucher.objects.filter(line=line).count() == 1
    assert len(booking_of(line).issued_keys) == 1
    assert len(line_events(line, "line.issued")) == 1
    assert LedgerEntry.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"


def test_issue_rerun_after_the_supplier_already_issued_issues_once(wallet_partner, worker):
    # given: a worker called the supplier and died before recording the result; the line is
    # still ISSUING and its task is delivered again (twice)
    order = reserved_and_finalized(wallet_partner, factories.product(), worker)
    line = order.lines.get()
    adapter_for(line.supplier).issue(line, idempotency_key=line.supplier_key("issue"))
    tasks.issue_line.enqueue(line_id=line.pk)

    # when
    worker()

    # then: the supplier saw one key; Tessera stored one voucher and one transition
    line.refresh_from_db()
    assert line.status == "ISSUED"
    assert line.supplier_booking_ref == booking_of(line).booking_ref
    booking = booking_of(line)
    assert booking.issued_keys == [line.supplier_key("issue")]
    assert Voucher.objects.filter(line=line).count() == 1
    assert len(line_events(line, "line.issued")) == 1
