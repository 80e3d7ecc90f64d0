"""Once a supplier's breaker is open, no call reaches the supplier but one probe per cool-down,
whatever the workers read before it opened and however many of them call at once.

The calls here go through ``suppliers.calls.supplier_call`` directly, with a stand-in for the
adapter that counts what it sends, so the test counts calls at the supplier's door.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from suppliers.adapters.base import RetryableSupplierError
from suppliers.breaker import CallDeferred
from suppliers.calls import supplier_call
from suppliers.events import BREAKER_OPENED, BREAKER_REOPENED
from suppliers.models import Supplier, SupplierEvent
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


class DeadSupplier:
    """Answers every call as a supplier refusing connections does, and counts the calls sent."""

    def __init__(self, latency: float = 0.0) -> None:
        self.sent_at: list[float] = []
        self.latency = latency
        self.guard = threading.Lock()

    def __call__(self):
        with self.guard:
            self.sent_at.append(time.monotonic())
        time.sleep(self.latency)
        return RetryableSupplierError("connection refused", code="UNREACHABLE")


def call_through_breaker(supplier: Supplier, dead: DeadSupplier):
    return supplier_call(
        supplier,
        dead,
        healthy=lambda answer: not isinstance(answer, RetryableSupplierError),
        failure_reason=str,
    )


def test_a_worker_that_read_the_breaker_closed_sends_nothing_once_it_is_open():
    # given a worker read its supplier while the breaker was closed
    supplier = factories.supplier(breaker_failure_threshold=3, breaker_cooldown_seconds=60)
    read_before = Supplier.objects.get(pk=supplier.pk)
    # and the breaker opened meanwhile (other workers' calls failed)
    Supplier.objects.filter(pk=supplier.pk).update(breaker_opened_at=timezone.now(), breaker_failures=3)
    dead = DeadSupplier()

    # when it calls, with what it read
    with pytest.raises(CallDeferred) as deferred:
        call_through_breaker(read_before, dead)

    # then nothing was sent, and the call waits for the cool-down
    assert dead.sent_at == []
    assert deferred.value.until >= timezone.now() + timedelta(seconds=55)


def test_a_worker_that_read_an_earlier_opening_sends_no_probe_right_after_a_failed_probe():
    # given a worker read the breaker open since a cool-down ago (a probe is due)
    supplier = factories.supplier(breaker_failure_threshold=3, breaker_cooldown_seconds=60)
    Supplier.objects.filter(pk=supplier.pk).update(
        breaker_opened_at=timezone.now() - timedelta(seconds=61), breaker_failures=3
    )
    read_before = Supplier.objects.get(pk=supplier.pk)
    # and another worker's probe failed meanwhile: the breaker opened again just now
    Supplier.objects.filter(pk=supplier.pk).update(breaker_opened_at=timezone.now(), breaker_probe_at=None)
    dead = DeadSupplier()

    # when it calls, with what it read
    with pytest.raises(CallDeferred):
        call_through_breaker(read_before, dead)

    # then it sent no second probe in the same cool-down
    assert dead.sent_at == []


@pytest.mark.postgres
def test_many_threads_on_a_dead_supplier_send_only_the_opening_calls_and_one_probe_per_cool_down():
    # given a dead supplier whose breaker opens after 3 failures and cools down for 1 s, and
    # whose bulkhead lets one call out at a time
    cooldown = 1
    supplier = factories.supplier(
        breaker_failure_threshold=3, breaker_cooldown_seconds=cooldown, max_concurrent_calls=1
    )
    dead = DeadSupplier(latency=0.01)
    stop = time.monotonic() + 3.5 * cooldown

    # when 8 threads keep calling it, each reading the supplier afresh as a task does
    def keep_calling() -> None:
        try:
            while time.monotonic() < stop:
                try:
                    call_through_breaker(Supplier.objects.get(pk=supplier.pk), dead)
                except CallDeferred:
                    time.sleep(0.005)
        finally:
            connection.close()

    threads = [threading.Thread(target=keep_calling) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    # then the supplier got the 3 calls that opened the breaker and one probe per cool-down
    # (each failed probe opens it again), nothing else
    events = list(SupplierEvent.objects.filter(supplier_id=supplier.pk).order_by("created_at"))
    assert [event.name for event in events[:1]] == [BREAKER_OPENED]
    probes = [event for event in events if event.name == BREAKER_REOPENED]
    assert 1 <= len(probes) <= 4
    assert len(dead.sent_at) == 3 + len(probes)
    after_opening = dead.sent_at[2:]
    gaps = [later - earlier for earlier, later in zip(after_opening, after_opening[1:], strict=False)]
    assert min(gaps) >= cooldown
