"""The http_json adapter against the supplier simulator over real HTTP: one call per booking,
and every way a call goes wrong maps to the typed error that says what the supplier may have
done (nothing: retry; maybe: UNKNOWN until ``status`` tells; refused: FAILED)."""

import socket

import pytest

from orders.bookings import booking_line, booking_of
from orders.models import OrderLine
from suppliers.adapters import adapter_for
from suppliers.adapters.base import (
    IssueState,
    PermanentSupplierError,
    RemoteState,
    RetryableSupplierError,
    SupplierTimeout,
)
from suppliers.adapters.http_json import Throttled
from tests import factories
from tests.simulator_support import base_url, http_supplier, running_simulator

pytestmark = pytest.mark.django_db


def lines_of(product, quantity: int = 1) -> list[OrderLine]:
    order = factories.order(owner=factories.partner(wallet="5000.00"), product_obj=product, quantity=quantity)
    return list(
        OrderLine.objects.filter(order=order).select_related("order", "product", "supplier", "traveller")
    )


def product_at(url: str, reference: str = "TRAIN", **supplier_fields):
    supplier = http_supplier(url, **supplier_fields)
    product = factories.product(supplier_obj=supplier)
    product.supplier_reference = reference
    product.save()
    return product


def test_a_three_passenger_booking_is_one_call_with_one_reference_and_items_per_line():
    with running_simulator({"TRAIN": {}}) as server:
        product = product_at(base_url(server))
        lines = lines_of(product, quantity=3)
        adapter = adapter_for(product.supplier)

        reserved = adapter.reserve_booking(booking_of(lines, "reserve"))
        issued = adapter.issue_booking(booking_of(lines, "issue"))

        assert server.state.calls == ["reserve", "issue"]
    assert len({reservation.reference for reservation in reserved.values()}) == 1
    assert set(reserved) == {line.pk for line in lines}
    assert all(
        issuance.state == IssueState.ISSUED and len(issuance.items) == 1 for issuance in issued.values()
    )


def test_refusing_some_lines_answers_line_by_line():
    with running_simulator({"TRAIN": {"partial": True}}) as server:
        product = product_at(base_url(server))
        lines = lines_of(product, quantity=2)
        adapter = adapter_for(product.supplier)
        adapter.reserve_booking(booking_of(lines, "reserve"))

        issued = adapter.issue_booking(booking_of(lines, "issue"))

    first, second = sorted(lines, key=lambda line: line.position)
    assert issued[first.pk].state == IssueState.ISSUED
    assert isinstance(issued[second.pk], PermanentSupplierError) and issued[second.pk].code == "OUT_OF_STOCK"


def free_port_with_nobody_listening() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_retryable_nothing_happened():
    product = product_at(f"http://127.0.0.1:{free_port_with_nobody_listening()}")
    lines = lines_of(product)

    with pytest.raises(RetryableSupplierError) as refused:
        adapter_for(product.supplier).reserve_booking(booking_of(lines, "reserve"))
    assert refused.value.code == "UNREACHABLE" and not isinstance(refused.value, SupplierTimeout)


@pytest.mark.parametrize("mode", ["server_error", "outage"])
def test_server_errors_and_an_outage_are_retryable(mode):
    with running_simulator({"TRAIN": {"mode": mode} if mode != "outage" else {}}) as server:
        server.state.outage = mode == "outage"
        product = product_at(base_url(server))
        lines = lines_of(product)

        with pytest.raises(RetryableSupplierError) as failed:
            adapter_for(product.supplier).reserve_booking(booking_of(lines, "reserve"))
    assert failed.value.code == "SUPPLIER_UNAVAILABLE" and not isinstance(failed.value, SupplierTimeout)


def test_429_is_retryable_after_the_seconds_the_supplier_asks_for():
    with running_simulator({"TRAIN": {"mode": "throttle"}}) as server:
        product = product_at(base_url(server))
        lines = lines_of(product)

        with pytest.raises(Throttled) as throttled:
            adapter_for(product.supplier).reserve_booking(booking_of(lines, "reserve"))
    assert throttled.value.retry_after == 7.0


def test_a_malformed_answer_leaves_the_outcome_unknown():
    with running_simulator({"TRAIN": {"mode": "malformed"}}) as server:
        product = product_at(base_url(server))
        lines = lines_of(product)

        with pytest.raises(SupplierTimeout):
            adapter_for(product.supplier).reserve_booking(booking_of(lines, "reserve"))


def test_a_slow_body_times_out_and_the_outcome_is_unknown():
    with running_simulator({"TRAIN": {"mode": "slow_body"}}, time_scale=0.1) as server:  # body after 3 s
        product = product_at(base_url(server), read_timeout_seconds=0.5)
        lines = lines_of(product)

        with pytest.raises(SupplierTimeout):
            adapter_for(product.supplier).reserve_booking(booking_of(lines, "reserve"))


def test_a_read_timeout_is_unknown_and_status_then_tells_what_the_supplier_did():
    with running_simulator({"TRAIN": {"latency": 20}}, time_scale=0.1) as server:  # answers after 2 s
        product = product_at(base_url(server), read_timeout_seconds=0.3)
        lines = lines_of(product)
        adapter = adapter_for(product.supplier)

        with pytest.raises(SupplierTimeout):
            adapter.reserve_booking(booking_of(lines, "reserve"))
        report = adapter.status(booking_line(lines[0]), idempotency_key=lines[0].supplier_key("reserve"))

    assert report.state == RemoteState.RESERVED


def test_a_refusal_is_permanent_with_the_suppliers_code():
    with running_simulator({"TRAIN": {"refuse": "reserve"}}) as server:
        product = product_at(base_url(server))
        lines = lines_of(product)

        with pytest.raises(PermanentSupplierError) as refused:
            adapter_for(product.supplier).reserve_booking(booking_of(lines, "reserve"))
    assert refused.value.code == "SOLD_OUT"


def test_ping_reaches_the_supplier():
    with running_simulator() as server:
        supplier = http_supplier(base_url(server))

        assert "simulator" in adapter_for(supplier).ping()
