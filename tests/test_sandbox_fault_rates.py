"""The sandbox supplier fails and times out a set share of calls, the same way on every run.

``error_rate`` refuses calls as busy (retryable, nothing done); ``timeout_rate`` carries calls out
and loses the answer (SupplierTimeout). The load suite (tests/load) relies on both.
"""

from collections import Counter

import pytest
from django.db import transaction

from orders.models import OrderLine
from sandbox.supplier import SandboxAdapter
from suppliers.adapters.base import RemoteState, RetryableSupplierError, SupplierTimeout
from suppliers.models import SandboxBooking, SupplierKind
from tests import factories

pytestmark = pytest.mark.django_db

FAULTY = {"error_rate": 0.3, "timeout_rate": 0.1}
CALLS = 1000


def stand_in_line(product, pk: int) -> OrderLine:
    """The sandbox keys its bookings by the line's id; no order is needed to call it."""
    return OrderLine(pk=pk, position=1, product=product, supplier=product.supplier)


def outcome(call) -> str:
    try:
        call()
    except RetryableSupplierError:
        return "busy"
    except SupplierTimeout:
        return "timeout"
    return "answered"


def reserve(adapter, line) -> str:
    return outcome(lambda: adapter.reserve(line, idempotency_key=line.supplier_key("reserve")))


def test_thirty_percent_of_calls_are_busy_and_ten_percent_time_out():
    product = factories.product(behaviour=FAULTY)
    adapter = SandboxAdapter(product.supplier)

    counts = Counter(reserve(adapter, stand_in_line(product, pk)) for pk in range(1, CALLS + 1))

    assert 0.26 * CALLS <= counts["busy"] <= 0.34 * CALLS, counts
    assert 0.07 * CALLS <= counts["timeout"] <= 0.13 * CALLS, counts
    assert counts["busy"] + counts["timeout"] + counts["answered"] == CALLS


def test_the_same_line_and_call_number_meet_the_same_fault_on_every_run():
    product = factories.product(behaviour=FAULTY)
    adapter = SandboxAdapter(product.supplier)

    def first_calls() -> list[str]:
        with transaction.atomic():
            seen = [reserve(adapter, stand_in_line(product, pk)) for pk in range(1, 41) for _ in range(3)]
            transaction.set_rollback(True)  # forget the bookings: the next run starts afresh
        return seen

    first, second = first_calls(), first_calls()

    assert first == second
    assert {"busy", "timeout", "answered"} <= set(first)


def test_a_busy_call_does_nothing_and_a_timed_out_call_is_carried_out():
    product = factories.product(behaviour=FAULTY)
    adapter = SandboxAdapter(product.supplier)
    seen: dict[str, str] = {}
    for pk in range(1, 200):
        line = stand_in_line(product, pk)
        result = reserve(adapter, line)
        if result not in seen:
            seen[result] = SandboxBooking.objects.get(line_key=f"line:{pk}").state
        if len(seen) == 3:
            break

    assert seen == {
        "busy": RemoteState.NOT_FOUND,
        "timeout": RemoteState.RESERVED,
        "answered": RemoteState.RESERVED,
    }


def test_retrying_with_the_same_key_gets_through_and_issues_once():
    product = factories.product(kind=SupplierKind.VOUCHER, behaviour={"error_rate": 0.5, "timeout_rate": 0.3})
    adapter = SandboxAdapter(product.supplier)
    for pk in range(1, 51):
        line = stand_in_line(product, pk)
        key = line.supplier_key("issue")
        results = []
        while not results or results[-1] != "answered":
            results.append(outcome(lambda line=line, key=key: adapter.issue(line, idempotency_key=key)))
            assert len(results) < 30, f"line {pk} never got an answer: {results}"

        booking = SandboxBooking.objects.get(line_key=f"line:{pk}")
        assert booking.issued_keys == [key]
        assert booking.issue_calls == len(results)
