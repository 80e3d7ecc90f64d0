"""Ending a PENDING order early: cancel (asked for) or expire (time ran out).

Either way the order's lines become RELEASED at once and the reservation is given back to the
supplier in the background, including a reservation the supplier was still making when the
order ended. Orders not yet due, and orders past PENDING, are left alone.
"""

from datetime import timedelta

import pytest
from django.db.models.signals import post_save
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders import tasks
from orders.models import Order, OrderEvent
from orders.services import cancellation, fulfilment
from payments.services import finalization
from suppliers.models import SandboxBooking, SupplierKind
from tessera import correlation
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


# --- helpers ---------------------------------------------------------------------------------


def booking_of(line) -> SandboxBooking | None:
    """What the sandbox supplier itself holds for a line."""
    return SandboxBooking.objects.filter(line_key=f"line:{line.pk}").first()


def booking_states(order) -> list[str | None]:
    return [
        (booking.state if (booking := booking_of(line)) else None)
        for line in order.lines.order_by("position")
    ]


def line_statuses(order) -> list[str]:
    return list(order.lines.order_by("position").values_list("status", flat=True))


def status_of(order) -> str:
    return Order.objects.get(pk=order.pk).status


def drain(worker) -> None:
    worker()
    failed = list(DBTaskResult.objects.failed().values_list("task_path", "traceback"))
    assert failed == []


def past_due(order, seconds: int = 1) -> None:
    """Test setup: the order's time ran out ``seconds`` ago."""
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def partner():
    return factories.partner(wallet="1000.00")


@pytest.fixture
def rail():
    return factories.product(kind=SupplierKind.RAIL)


def pending_order(partner, product, quantity=2) -> Order:
    """A PENDING order; its lines are RESERVING until the worker runs."""
    return factories.order(owner=partner, product_obj=product, quantity=quantity)


# --- cancel ----------------------------------------------------------------------------------


def test_cancel_releases_every_reserved_line_here_and_at_the_supplier(partner, rail, worker):
    order = pending_order(partner, rail)
    drain(worker)
    assert line_statuses(order) == ["RESERVED", "RESERVED"]
    assert booking_states(order) == ["RESERVED", "RESERVED"]

    with correlation.bound("corr-cancel-1"):
        cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(partner), reason="plans changed")

    assert status_of(order) == "CANCELED"
    assert line_statuses(order) == ["RELEASED", "RELEASED"]
    assert booking_states(order) == ["RESERVED", "RESERVED"]  # the supplier is told in the background
    cancel = OrderEvent.objects.get(order=order, transition="order.canceled")
    assert (cancel.subject_type, cancel.from_status, cancel.to_status) == ("order", "PENDING", "CANCELED")
    assert cancel.payload == {"reason": "plans changed"}
    assert cancel.actor_partner_id == partner.pk
    assert cancel.correlation_id == "corr-cancel-1"
    releases = OrderEvent.objects.filter(order=order, transition="line.released")
    assert sorted(releases.values_list("subject_id", flat=True)) == sorted(
        str(pk) for pk in order.lines.values_list("pk", flat=True)
    )
    assert {(e.from_status, e.to_status, e.correlation_id) for e in releases} == {
        ("RESERVED", "RELEASED", "corr-cancel-1")
    }

    drain(worker)

    assert booking_states(order) == ["RELEASED", "RELEASED"]
    assert all(booking_of(line).released_at is not None for line in order.lines.all())
    assert OrderEvent.objects.filter(order=order, transition="line.release_confirmed").count() == 2
    assert status_of(order) == "CANCELED"
    assert line_statuses(order) == ["RELEASED", "RELEASED"]


def test_cancel_before_the_worker_reserved_leaves_nothing_held_at_the_supplier(partner, rail, worker):
    order = pending_order(partner, rail)  # lines RESERVING, reservation tasks queued

    cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(partner))
    assert line_statuses(order) == ["RELEASED", "RELEASED"]

    drain(worker)

    assert status_of(order) == "CANCELED"
    assert line_statuses(order) == ["RELEASED", "RELEASED"]
    assert booking_states(order) == ["RELEASED", "RELEASED"]


def test_cancel_while_the_supplier_is_reserving_gives_the_late_reservation_back(partner, rail, worker):
    """The order is canceled at the moment the supplier confirms a reservation, mid-call."""
    order = pending_order(partner, rail, quantity=1)
    line = order.lines.get()

    def cancel_when_supplier_reserves(sender, instance, update_fields=None, **kwargs):
        if instance.line_key == f"line:{line.pk}" and instance.state == "RESERVED":
            post_save.disconnect(cancel_when_supplier_reserves, sender=SandboxBooking)
            cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(partner), reason="mid-call")

    post_save.connect(cancel_when_supplier_reserves, sender=SandboxBooking, weak=False)
    try:
        drain(worker)
    finally:
        post_save.disconnect(cancel_when_supplier_reserves, sender=SandboxBooking)

    assert status_of(order) == "CANCELED"
    assert line_statuses(order) == ["RELEASED"]
    assert booking_of(line).state == "RELEASED"
    assert not OrderEvent.objects.filter(order=order, transition="line.reserved").exists()


def test_cancel_releases_a_reservation_whose_answer_was_lost(partner, worker, settings):
    """The supplier reserved but its answer timed out (line UNKNOWN); cancel still gives it back."""
    settings.TASK_RETRY_BASE_SECONDS = 3600.0  # keep the reconcile task waiting
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 3600.0
    product = factories.product(kind=SupplierKind.RAIL, behaviour={"timeout": "reserve"})
    order = pending_order(partner, product, quantity=1)
    drain(worker)
    assert line_statuses(order) == ["UNKNOWN"]
    assert booking_states(order) == ["RESERVED"]

    cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(partner))
    drain(worker)

    assert status_of(order) == "CANCELED"
    assert line_statuses(order) == ["RELEASED"]
    assert booking_states(order) == ["RELEASED"]
    # the reconcile that was waiting finds nothing to do when it comes
    line = order.lines.get()
    assert fulfilment.line_reconcile(line_id=line.pk) == "skipped"
    assert line_statuses(order) == ["RELEASED"]


# --- expire ----------------------------------------------------------------------------------


@pytest.fixture
def three_orders(partner, rail, worker):
    """One PENDING order past due, one PENDING not yet due, one PROCESSING past its old expiry."""
    due = pending_order(partner, rail)
    not_due = pending_order(partner, rail)
    processing = pending_order(partner, rail)
    drain(worker)
    finalization.order_finalize(order_id=processing.pk, method="wallet", actor=Actor.partner(partner))
    past_due(due)
    past_due(processing)
    return due, not_due, processing


def assert_only_the_due_order_expired(due, not_due, processing) -> None:
    assert status_of(due) == "EXPIRED"
    assert line_statuses(due) == ["RELEASED", "RELEASED"]
    expire = OrderEvent.objects.get(order=due, transition="order.expired")
    assert (expire.from_status, expire.to_status, expire.actor_kind) == ("PENDING", "EXPIRED", "system")

    assert status_of(not_due) == "PENDING"
    assert line_statuses(not_due) == ["RESERVED", "RESERVED"]
    assert not OrderEvent.objects.filter(order=not_due, transition__in=["order.expired", "release"]).exists()

    assert status_of(processing) == "PROCESSING"
    assert line_statuses(processing) == ["ISSUING", "ISSUING"]
    assert not OrderEvent.objects.filter(
        order=processing, transition__in=["order.expired", "release"]
    ).exists()


def test_orders_expire_due_expires_only_pending_orders_past_their_time(three_orders, worker):
    due, not_due, processing = three_orders

    assert cancellation.orders_expire_due() == 1

    assert_only_the_due_order_expired(due, not_due, processing)
    assert cancellation.orders_expire_due() == 0  # nothing left to do; nothing done twice
    assert OrderEvent.objects.filter(order=due, transition="order.expired").count() == 1

    drain(worker)

    assert booking_states(due) == ["RELEASED", "RELEASED"]
    assert booking_states(not_due) == ["RESERVED", "RESERVED"]
    assert status_of(due) == "EXPIRED"
    assert status_of(not_due) == "PENDING"
    assert status_of(processing) == "FULFILLED"  # the worker went on issuing it, untouched by expiry


def test_expiry_task_run_by_the_worker_expires_due_orders(three_orders, worker):
    due, not_due, processing = three_orders

    result = tasks.expire_orders.enqueue()
    drain(worker)

    assert DBTaskResult.objects.get(pk=result.id).return_value == 1
    assert status_of(due) == "EXPIRED"
    assert line_statuses(due) == ["RELEASED", "RELEASED"]
    assert booking_states(due) == ["RELEASED", "RELEASED"]
    assert status_of(not_due) == "PENDING"
    assert line_statuses(not_due) == ["RESERVED", "RESERVED"]
    assert booking_states(not_due) == ["RESERVED", "RESERVED"]
    assert status_of(processing) == "FULFILLED"
    assert not OrderEvent.objects.filter(order=processing, transition="order.expired").exists()


def test_an_order_expiring_while_still_reserving_holds_nothing_at_the_supplier(partner, rail, worker):
    order = pending_order(partner, rail)  # reservation tasks queued, not yet run
    past_due(order)

    assert cancellation.orders_expire_due() == 1
    drain(worker)

    assert status_of(order) == "EXPIRED"
    assert line_statuses(order) == ["RELEASED", "RELEASED"]
    assert booking_states(order) == ["RELEASED", "RELEASED"]
