"""Refund work survives a busy supplier and a lost task: the same keys, again, until it is done.

Given a refund whose supplier is busy, or whose task was lost, when the worker and the periodic
sweep run, then the supplier is asked again with the same key per line and the refund completes
once; the sweep is one of the periodic tasks every worker runs.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import OrderEvent
from payments import tasks
from payments.models import LedgerEntry, Refund
from payments.services.refund_processing import refund_process, refunds_reconcile_due
from payments.services.refunds import refund_request
from sandbox.supplier import SandboxAdapter
from suppliers.adapters.base import RetryableSupplierError
from tessera.actors import Actor
from tests import factories
from tests.refund_support import delivered

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(wallet_partner, worker):
    return delivered(wallet_partner, factories.product(price="30.00"), worker=worker)


def ask(order) -> Refund:
    return refund_request(
        order_id=order.pk,
        line_ids=None,
        reason="requested",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key="k",
    )


@pytest.fixture
def busy_once(monkeypatch):
    """The sandbox supplier answers its first refund call busy; every call's key is recorded."""
    keys: list[str] = []
    real = SandboxAdapter.refund

    def refund(self, line, *, idempotency_key, amount):
        keys.append(idempotency_key)
        if len(keys) == 1:
            raise RetryableSupplierError("Supplier busy; try again shortly.", code="BUSY")
        return real(self, line, idempotency_key=idempotency_key, amount=amount)

    monkeypatch.setattr(SandboxAdapter, "refund", refund)
    return keys


def test_a_busy_supplier_is_asked_again_with_the_same_keys(order, worker, busy_once):
    # when
    refund = ask(order)
    worker()

    # then the booking's first line found the supplier busy (the sandbox refunds line by line,
    # so the second was asked in the same booking), and the retry asked each line again with
    # its own stable key
    refund.refresh_from_db()
    assert refund.status == "SUCCEEDED"
    first, second = (line.pk for line in order.lines.order_by("position"))
    assert busy_once == [
        f"refund:{refund.pk}:line:{first}",
        f"refund:{refund.pk}:line:{second}",
        f"refund:{refund.pk}:line:{first}",
        f"refund:{refund.pk}:line:{second}",
    ]
    retry = OrderEvent.objects.get(subject_id=str(refund.pk), transition="refund.supplier_retry_scheduled")
    assert (retry.payload["attempt"], retry.payload["code"]) == (1, "BUSY")
    assert LedgerEntry.objects.filter(order=order, kind="credit").count() == 1


def test_when_the_attempts_run_out_the_refund_waits_for_the_sweep(order, worker, busy_once, monkeypatch):
    monkeypatch.setattr("payments.services.refund_processing.attempts_left", lambda attempt: False)

    refund = ask(order)
    worker()

    assert Refund.objects.get(pk=refund.pk).status == "REQUESTED"
    assert (
        OrderEvent.objects.get(
            subject_id=str(refund.pk), transition="refund.supplier_retry_scheduled"
        ).payload["nextAttemptAt"]
        is None
    )


def test_the_sweep_picks_up_a_refund_whose_task_was_lost(order, worker):
    # given a requested refund whose task never ran
    refund = ask(order)
    DBTaskResult.objects.filter(task_path="payments.tasks.process_refund").delete()

    # when the sweep runs a minute later
    assert refunds_reconcile_due() == {"process": 0, "check": 0}
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    assert refunds_reconcile_due() == {"process": 1, "check": 0}
    worker()

    # then
    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"
    assert LedgerEntry.objects.filter(order=order, kind="credit").count() == 1


def test_a_duplicate_task_refunds_once(order, worker):
    # given a refund whose processing task is queued twice (as after a recovered worker)
    refund = ask(order)
    tasks.process_refund.enqueue(refund_id=str(refund.pk))

    # when
    worker()

    # then
    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"
    outcomes = DBTaskResult.objects.filter(task_path="payments.tasks.process_refund")
    assert sorted(outcomes.values_list("return_value", flat=True)) == ["refunded", "skipped"]
    assert LedgerEntry.objects.filter(order=order, kind="credit").count() == 1
    assert (
        OrderEvent.objects.filter(order=order, subject_type="order", transition="order.refunded").count() == 1
    )
    assert refund_process(refund_id=refund.pk) == "skipped"


def test_the_refund_sweep_runs_every_minute_wherever_a_worker_runs():
    assert settings.PERIODIC_TASKS["payments.tasks.reconcile_refunds"] == 60.0
