"""PostgreSQL restarted twice under partner traffic (a fast shutdown, then a crash-like immediate
one), on a private cluster so that nobody else's database moves: requests meanwhile fail cleanly
(503 SERVICE_UNAVAILABLE, problem+json, retryable), the same request with the same
Idempotency-Key then succeeds, and nothing is half-written."""

import threading
import time

import pytest

from tests.load import outcomes
from tests.load.conftest import TIMEOUT
from tests.load.stack import Database, PrivateCluster, Stack, postgres_available
from tests.load.traffic import Client, Recorder, start_partners, total

pytestmark = [
    pytest.mark.load,
    pytest.mark.postgres,
    pytest.mark.timeout(TIMEOUT),
    pytest.mark.skipif(
        not postgres_available(), reason="needs PostgreSQL's server binaries (initdb, pg_ctl)"
    ),
]

DOWN_SECONDS = 3
# docs/api.md: a finalize whose first try went through before the outage cut its answer is
# answered INVALID_STATE on retry (the order is PROCESSING); the one-debit invariant proves it paid once.
DONE_BEFORE = {("POST /api/v1/orders/{id}/finalize", 409, "INVALID_STATE")}
GAVE_UP = {None, "SERVICE_UNAVAILABLE", "INTERNAL_ERROR", "IDEMPOTENCY_KEY_IN_USE", "RATE_LIMITED"}


@pytest.fixture
def private_stack(run_dir, profile):
    cluster = PrivateCluster()
    cluster.init()
    # Orders live 5 minutes here: a retry may wait out a key the outage left claimed (60 s).
    database = Database(cluster.server_url, "tessera_restart")
    running = Stack(database, run_dir / "restart", web=2, workers=2, settings={"ORDER_EXPIRY_MINUTES": "5"})
    try:
        running.prepare()
        running.start()
        yield cluster, running
    finally:
        running.stop()
        cluster.destroy()


def test_postgres_restarts_under_traffic_fail_requests_cleanly_and_retries_succeed(private_stack, profile):
    cluster, stack = private_stack
    recorder = Recorder(stack.run_dir / "bodies.jsonl")
    started = time.monotonic()
    clients = start_partners(
        stack.base_url,
        stack.world,
        recorder,
        count=4,
        deadline=started + profile.restart_seconds,
        name="restart",
        partners=stack.world["partners"][:2],
    )
    restarts = []
    # Besides the traffic, one order is created while the database is down, each time: it must
    # fail cleanly, then succeed with its key once the database is back.
    buyer = Client(stack.base_url, stack.world["partners"][0]["key"], recorder, "restart-buyer")
    gift = next(p for p in stack.world["products"] if p["reference"] == "LOAD-GIFT")
    offers = [
        buyer.write("POST", "/offers", {"productId": gift["id"], "denomination": "25.00"}) for _ in range(2)
    ]
    made_in_outage = []

    def restart_twice() -> None:
        for offer, (mode, at) in zip(offers, (("fast", 0.3), ("immediate", 0.65)), strict=True):
            time.sleep(max(0.0, started + profile.restart_seconds * at - time.monotonic()))
            cluster.stop(mode)
            writer = threading.Thread(
                target=lambda offer=offer: made_in_outage.append(
                    buyer.write("POST", "/orders", {"offers": [offer.body["id"]]})
                )
            )
            writer.start()
            time.sleep(DOWN_SECONDS)
            cluster.start()
            writer.join(timeout=180)
            restarts.append(mode)

    chaos = threading.Thread(target=restart_twice)
    chaos.start()
    chaos.join()
    for client in clients:
        client.join(timeout=profile.restart_seconds + 300)
    still_moving = outcomes.drain(stack.database, seconds=profile.drain_seconds)
    recorder.close()
    violations = outcomes.check(stack.database)
    unavailable = recorder.count(lambda route, status, code: status == 503)
    refused = total([client.tally for client in clients]).refused
    figures = "\n".join(
        [
            f"restarts: {restarts}, each {DOWN_SECONDS} s down; traffic {profile.restart_seconds:.0f} s",
            f"still moving after the drain: {still_moving}",
            f"answers 503 SERVICE_UNAVAILABLE: {unavailable}; refused: {dict(refused)}",
            f"writes that met an outage, by how they ended: {dict(recorder.after_trouble)}",
            f"order statuses: {dict(outcomes.statuses(stack.database))}",
            f"money: {outcomes.money(stack.database)}",
            f"violations: {violations or 'none'}",
            recorder.summary(),
        ]
    )
    (stack.run_dir / "database-restart.txt").write_text(figures)
    print(figures)

    assert restarts == ["fast", "immediate"]
    assert [answer.status for answer in made_in_outage] == [202, 202]
    assert recorder.after_trouble[("POST /api/v1/orders", 202, None)] >= 2
    assert [client.crash for client in clients if client.crash] == []
    assert unavailable > 0, "no request met the restarts: the scenario tested nothing"
    server_errors = {key for key in recorder.server_errors()}
    assert {(status, code) for _, status, code in server_errors} <= {(503, "SERVICE_UNAVAILABLE")}
    assert recorder.bad_problems == []
    assert [key for key in refused if key[1] in GAVE_UP] == [], "a write never got its answer by retrying"
    assert {
        (route, status, code)
        for (route, status, code) in recorder.after_trouble
        if not 200 <= status < 300 and (route, status, code) not in DONE_BEFORE
    } == set(), "a write retried with its key after an outage must succeed (or find its work done)"
    assert sum(client.tally.finalized for client in clients) > 0
    assert violations == {}
