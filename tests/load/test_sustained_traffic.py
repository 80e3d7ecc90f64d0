"""Sustained partner traffic against gunicorn and two db_workers, with a supplier that refuses 30 %
of calls and loses the answer of 10 %: afterwards every promise still holds (tests/load/invariants.py)."""

import time

import pytest

from tests.load import outcomes
from tests.load.conftest import TIMEOUT
from tests.load.traffic import start_partners, total

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.timeout(TIMEOUT)]


def test_sustained_traffic_with_a_faulty_supplier_keeps_orders_money_and_vouchers_right(
    stack, recorder, profile
):
    started = time.monotonic()
    clients = start_partners(
        stack.base_url,
        stack.world,
        recorder,
        count=profile.clients,
        deadline=started + profile.seconds,
        name="load",
    )
    for client in clients:
        client.join(timeout=profile.seconds + 180)
    traffic_seconds = time.monotonic() - started
    still_moving = outcomes.drain(stack.database, seconds=profile.drain_seconds)
    settled_seconds = time.monotonic() - started

    violations = outcomes.check(stack.database)
    faults = outcomes.faults(stack.database)
    statuses = outcomes.statuses(stack.database)
    money = outcomes.money(stack.database)
    done = total([client.tally for client in clients])
    figures = "\n".join(
        [
            f"profile {profile.name}: {profile.clients} clients, {profile.web} gunicorn workers, "
            f"{profile.workers} db_workers",
            f"traffic {traffic_seconds:.0f} s, {recorder.requests} requests, "
            f"{recorder.requests / traffic_seconds:.1f} requests/s; "
            f"all settled after {settled_seconds:.0f} s (still moving: {still_moving})",
            f"orders created {done.created}, finalized {done.finalized}, canceled {done.canceled}, "
            f"left pending {done.left_pending}; refunds asked {done.refunds}; reads {done.lists}",
            f"refused: {dict(done.refused)}",
            f"order statuses: {dict(statuses)}",
            f"faults: {faults}",
            f"money: {money}",
            f"violations: {violations or 'none'}",
            recorder.summary(),
        ]
    )
    (stack.run_dir / "sustained-traffic.txt").write_text(figures)
    print(figures)

    assert [client.crash for client in clients if client.crash] == []
    assert all(not client.is_alive() for client in clients), "a client did not stop at the deadline"
    assert violations == {}
    assert recorder.server_errors() == {}, "no request may end in a server error"
    assert recorder.bad_problems == []
    assert recorder.no_answer == 0
    # The run really ran, and the faults really happened.
    assert done.finalized >= profile.seconds / 10
    assert faults["supplier_retries"] > 0 and faults["lines_unknown"] > 0 and faults["reconciled"] > 0
    assert statuses["FULFILLED"] > 0 and statuses["FAILED"] + statuses["PARTIALLY_FULFILLED"] > 0
    assert money.debited > 0 and money.credited > 0
