"""A supplier call whose answer is lost leaves the line UNKNOWN until reconciliation finds the truth.

Given a supplier that times out (it did the work but the answer never came back), when the step
runs, then the line is UNKNOWN and nothing is decided for the order; when reconciliation asks the
supplier, then the line takes the state the supplier really holds, without doing anything twice.
The periodic sweep finds lines that have waited too long and queues their next step.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent, OrderLine, Voucher
from orders.services import fulfilment
from payments.models import Refund
from payments.services import finalization
from tessera.actors import Actor
from tests import factories
from tests.queue_helpers import booking_of, queued, take_queued

pytestmark = pytest.mark.django_db(transaction=True)


def line_transitions(line) -> list[str]:
    return list(
        OrderEvent.objects.filter(subject_type="line", subject_id=str(line.pk)).values_list(
            "transition", flat=True
        )
    )


def reserved_and_finalized(partner, product, worker) -> Order:
    order = factories.order(owner=partner, product_obj=product)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))
    return order


# --- issue timeout ----------------------------------------------------------------------------------


def test_issue_timeout_leaves_the_line_unknown_and_the_order_processing(wallet_partner, worker):
    # given
    product = factories.product(behaviour={"timeout": "issue"})
    order = reserved_and_finalized(wallet_partner, product, worker)
    line = order.lines.get()
    take_queued("issue_line")

    # when
    outcome = fulfilment.line_issue(line_id=line.pk)

    # then: nothing is decided, and a reconcile is queued
    assert outcome == "unknown"
    line.refresh_from_db()
    assert (line.status, line.phase) == ("UNKNOWN", "issue")
    assert line.failure_reason
    assert not Voucher.objects.filter(line=line).exists()
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"
    assert not Refund.objects.filter(order=order).exists()
    assert queued("reconcile_line", line.pk).count() == 1


def test_reconciling_an_issue_timeout_delivers_what_the_supplier_really_issued(wallet_partner, worker):
    # given: the supplier issued, but its answer was lost
    product = factories.product(behaviour={"timeout": "issue"})
    order = reserved_and_finalized(wallet_partner, product, worker)
    line = order.lines.get()
    take_queued("issue_line")
    fulfilment.line_issue(line_id=line.pk)

    # when
    outcome = fulfilment.line_reconcile(line_id=line.pk)

    # then: the line is delivered once, from the supplier's record
    assert outcome == "issued"
    line.refresh_from_db()
    assert line.status == "ISSUED"
    assert line.supplier_booking_ref == booking_of(line).booking_ref
    assert Voucher.objects.filter(line=line).count() == 1
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert len(booking_of(line).issued_keys) == 1
    assert line_transitions(line) == ["line.reserved", "line.issuing", "line.unknown", "line.issued"]

    # and the reconcile task still queued finds nothing left to do
    worker()
    assert len(booking_of(line).issued_keys) == 1
    assert Voucher.objects.filter(line=line).count() == 1
    assert line_transitions(line).count("line.issued") == 1


def test_worker_resolves_an_issue_timeout_by_itself(wallet_partner, worker):
    # given
    product = factories.product(behaviour={"timeout": "issue"})
    order = reserved_and_finalized(wallet_partner, product, worker)

    # when: the worker issues (timeout) and then reconciles
    worker()

    # then
    assert not DBTaskResult.objects.failed().exists()
    line = order.lines.get()
    assert line.status == "ISSUED"
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert len(booking_of(line).issued_keys) == 1
    assert "line.unknown" in line_transitions(line)


# --- reserve timeout ---------------------------------------------------------------------------------


def test_reserve_timeout_is_reconciled_to_reserved_without_reserving_again(wallet_partner):
    # given: the supplier reserved, but its answer was lost
    product = factories.product(behaviour={"timeout": "reserve"})
    order = factories.order(owner=wallet_partner, product_obj=product)
    line = order.lines.get()
    take_queued("reserve_line")
    assert fulfilment.line_reserve(line_id=line.pk) == "unknown"
    line.refresh_from_db()
    assert (line.status, line.phase) == ("UNKNOWN", "reserve")
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert queued("reconcile_line", line.pk).count() == 1

    # when
    outcome = fulfilment.line_reconcile(line_id=line.pk)

    # then
    assert outcome == "reserved"
    line.refresh_from_db()
    assert line.status == "RESERVED"
    assert line.supplier_reservation_ref == booking_of(line).booking_ref
    assert booking_of(line).reserve_calls == 1
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert line_transitions(line) == ["line.unknown", "line.reservation_confirmed"]


def test_reconcile_of_a_reservation_the_supplier_never_made_reserves_again(settings, wallet_partner, worker):
    # given: the first reservation attempt failed and Tessera gave up on it at once, so the line
    # is UNKNOWN while the supplier holds no reservation for it
    settings.TASK_MAX_ATTEMPTS = 1
    product = factories.product(behaviour={"transient_failures": 1})
    order = factories.order(owner=wallet_partner, product_obj=product)
    line = order.lines.get()
    take_queued("reserve_line")
    assert fulfilment.line_reserve(line_id=line.pk) == "unknown"
    take_queued("reconcile_line")
    assert booking_of(line).state == "NOT_FOUND"

    # when
    outcome = fulfilment.line_reconcile(line_id=line.pk)

    # then: the line goes back to RESERVING and its reservation is queued again
    assert outcome == "reserving"
    line.refresh_from_db()
    assert line.status == "RESERVING"
    event = OrderEvent.objects.filter(subject_type="line", subject_id=str(line.pk)).last()
    assert (event.transition, event.payload["supplierState"]) == ("line.reservation_retried", "NOT_FOUND")
    assert queued("reserve_line", line.pk).count() == 1

    # when: the worker runs the new reservation
    worker()

    # then
    line.refresh_from_db()
    assert line.status == "RESERVED"
    assert booking_of(line).state == "RESERVED"
    assert booking_of(line).reserve_calls == 2
    assert Order.objects.get(pk=order.pk).status == "PENDING"


# --- the periodic sweep -----------------------------------------------------------------------------------


def make_unknown_reserve_line(partner) -> OrderLine:
    order = factories.order(owner=partner, product_obj=factories.product(behaviour={"timeout": "reserve"}))
    line = order.lines.get()
    take_queued("reserve_line")
    fulfilment.line_reserve(line_id=line.pk)
    line.refresh_from_db()
    assert line.status == "UNKNOWN"
    return line


def make_reserving_line(partner) -> OrderLine:
    line = factories.order(owner=partner, product_obj=factories.product()).lines.get()
    assert line.status == "RESERVING"
    return line


def test_sweep_queues_the_next_step_for_lines_that_waited_too_long(settings, wallet_partner):
    # given: an UNKNOWN and a RESERVING line older than the stale limit, and a fresh one of each
    settings.LINE_STALE_AFTER_SECONDS = 120
    old_unknown = make_unknown_reserve_line(wallet_partner)
    old_reserving = make_reserving_line(wallet_partner)
    fresh_unknown = make_unknown_reserve_line(wallet_partner)
    fresh_reserving = make_reserving_line(wallet_partner)
    long_ago = timezone.now() - timedelta(seconds=600)
    OrderLine.objects.filter(pk__in=[old_unknown.pk, old_reserving.pk]).update(updated_at=long_ago)
    DBTaskResult.objects.all().delete()

    # when
    picked = fulfilment.lines_reconcile_due()

    # then: only the old lines are picked, each for its own next step
    assert picked == {"reconcile": 1, "reserve": 1}
    assert list(queued("reconcile_line").values_list("args_kwargs__kwargs__line_id", flat=True)) == [
        old_unknown.pk
    ]
    assert list(queued("reserve_line").values_list("args_kwargs__kwargs__line_id", flat=True)) == [
        old_reserving.pk
    ]
    for fresh in (fresh_unknown, fresh_reserving):
        assert not DBTaskResult.objects.filter(args_kwargs__kwargs__line_id=fresh.pk).exists()


def test_sweep_does_not_pick_the_same_lines_twice_in_a_row(settings, wallet_partner):
    # given: two stale lines the sweep has just picked up
    settings.LINE_STALE_AFTER_SECONDS = 120
    lines = [make_unknown_reserve_line(wallet_partner), make_reserving_line(wallet_partner)]
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        updated_at=timezone.now() - timedelta(seconds=600)
    )
    assert fulfilment.lines_reconcile_due() == {"reconcile": 1, "reserve": 1}

    # when: the sweep runs again before their tasks had a chance
    again = fulfilment.lines_reconcile_due()

    # then
    assert again == {"reconcile": 0, "reserve": 0}


def test_swept_unknown_line_is_resolved_by_the_worker(settings, wallet_partner, worker):
    # given: an UNKNOWN line whose own reconcile task was lost
    settings.LINE_STALE_AFTER_SECONDS = 120
    line = make_unknown_reserve_line(wallet_partner)
    take_queued("reconcile_line")
    OrderLine.objects.filter(pk=line.pk).update(updated_at=timezone.now() - timedelta(seconds=600))

    # when
    fulfilment.lines_reconcile_due()
    worker()

    # then
    line.refresh_from_db()
    assert line.status == "RESERVED"
    assert booking_of(line).reserve_calls == 1
