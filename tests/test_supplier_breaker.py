"""A supplier's circuit breaker opens after failures in a row, holds calls back while open (the
lines wait, they do not fail), lets one probe through after the cool-down, and closes when it
answers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import OrderLine
from suppliers.events import BREAKER_CLOSED, BREAKER_OPENED, BREAKER_REOPENED
from suppliers.models import SandboxBooking, Supplier, SupplierEvent
from suppliers.selectors import open_breakers
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def down_supplier() -> tuple[Supplier, object]:
    supplier = factories.supplier(breaker_failure_threshold=2, breaker_cooldown_seconds=30)
    product = factories.product(supplier_obj=supplier, behaviour={"error_rate": 1})
    return supplier, product


def cool_down_passes(supplier: Supplier) -> None:
    """Move the breaker's clock and the waiting tasks' back by the cool-down."""
    Supplier.objects.filter(pk=supplier.pk).update(
        breaker_opened_at=timezone.now() - timedelta(seconds=supplier.breaker_cooldown_seconds + 1)
    )
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def reserve_calls(line: OrderLine) -> int:
    return SandboxBooking.objects.get(line_key=f"line:{line.pk}").reserve_calls


def test_failures_in_a_row_open_the_breaker_and_lines_wait_instead_of_failing(worker):
    # given a supplier that is down, whose breaker opens after two failures
    supplier, product = down_supplier()
    order = factories.order(owner=factories.partner(), product_obj=product)
    line = order.lines.get()

    # when the worker tries to reserve
    worker()

    # then two calls were sent, the breaker opened, and the line waits for the cool-down
    supplier.refresh_from_db()
    assert supplier.breaker_opened_at is not None
    assert reserve_calls(line) == 2
    assert OrderLine.objects.get(pk=line.pk).status == "RESERVING"
    waiting = DBTaskResult.objects.get(status="READY", task_path="orders.tasks.reserve_line")
    assert waiting.run_after >= supplier.breaker_opened_at + timedelta(seconds=30)
    assert list(SupplierEvent.objects.values_list("name", flat=True)) == [BREAKER_OPENED]
    assert [row.supplier.pk for row in open_breakers()] == [supplier.pk]


def test_a_probe_after_the_cool_down_closes_the_breaker_and_the_line_goes_on(worker):
    supplier, product = down_supplier()
    line = factories.order(owner=factories.partner(), product_obj=product).lines.get()
    worker()

    # given the supplier answers again once the cool-down has passed
    product.settings = {}
    product.save()
    cool_down_passes(supplier)

    # when the waiting task runs
    worker()

    # then one probe went out, it succeeded, the breaker closed and the line is reserved
    assert reserve_calls(line) == 3
    assert OrderLine.objects.get(pk=line.pk).status == "RESERVED"
    supplier.refresh_from_db()
    assert (supplier.breaker_opened_at, supplier.breaker_failures) == (None, 0)
    assert list(SupplierEvent.objects.order_by("created_at").values_list("name", flat=True)) == [
        BREAKER_OPENED,
        BREAKER_CLOSED,
    ]
    assert open_breakers() == []


def test_a_failed_probe_keeps_the_breaker_open_for_another_cool_down(worker):
    supplier, product = down_supplier()
    line = factories.order(owner=factories.partner(), product_obj=product).lines.get()
    worker()
    cool_down_passes(supplier)

    worker()

    # one probe only, and the breaker opened again from now
    assert reserve_calls(line) == 3
    supplier.refresh_from_db()
    assert supplier.breaker_opened_at > timezone.now() - timedelta(seconds=5)
    assert OrderLine.objects.get(pk=line.pk).status == "RESERVING"
    assert SupplierEvent.objects.filter(name=BREAKER_REOPENED).count() == 1


def test_while_the_breaker_is_open_other_suppliers_go_on(worker):
    supplier, product = down_supplier()
    factories.order(owner=factories.partner(), product_obj=product)
    worker()

    healthy = factories.order(owner=factories.partner(), product_obj=factories.product())
    worker()

    assert healthy.lines.get().status == "RESERVED"
