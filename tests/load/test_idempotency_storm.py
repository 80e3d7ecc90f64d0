"""One Idempotency-Key sent at the same moment by many clients over HTTP (each on its own
connection, spread over gunicorn's workers): exactly one effect, and every client ends up with
the same answer."""

import threading

import pytest

from tests.load import outcomes
from tests.load.conftest import TIMEOUT
from tests.load.traffic import Client
from tests.worker_processes import wait_until

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.timeout(TIMEOUT)]

CLIENTS = 16


def all_at_once(clients: list[Client], method: str, path: str, body: dict, key: str) -> list:
    """Every client sends the same write with the same key, released together."""
    barrier = threading.Barrier(len(clients), timeout=60)
    answers: list = [None] * len(clients)

    def send(n: int) -> None:
        barrier.wait()
        answers[n] = clients[n].write(method, path, body, key=key)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return answers


def test_the_same_key_from_many_clients_at_once_creates_pays_and_refunds_once(stack, recorder):
    partner = stack.world["partners"][0]
    gift = next(p for p in stack.world["products"] if p["reference"] == "LOAD-GIFT")
    clients = [Client(stack.base_url, partner["key"], recorder, f"storm-{n}") for n in range(CLIENTS)]
    db = stack.database.connect()

    quote = {"productId": gift["id"], "denomination": "50.00"}
    quoted = all_at_once(clients, "POST", "/offers", quote, "storm-offer")
    assert {(a.status, a.body["id"]) for a in quoted} == {(201, quoted[0].body["id"])}

    order_body = {"offers": [quoted[0].body["id"]], "externalReference": "storm"}
    created = all_at_once(clients, "POST", "/orders", order_body, "storm-create")
    order_id = created[0].body["id"]
    assert {(a.status, a.body["id"]) for a in created} == {(202, order_id)}
    assert db.execute("SELECT COUNT(*) FROM orders_order WHERE external_reference = 'storm'").fetchone() == (
        1,
    )

    def order_status() -> str:
        return clients[0].get(f"/orders/{order_id}").body["status"]

    wait_until(
        lambda: "finalize" in clients[0].get(f"/orders/{order_id}").body["availableActions"],
        timeout=60,
        what="the order to be ready",
    )
    finalized = all_at_once(
        clients, "POST", f"/orders/{order_id}/finalize", {"method": "wallet"}, "storm-pay"
    )
    assert {a.status for a in finalized} == {200}
    debits = "SELECT COUNT(*), -SUM(amount) FROM payments_ledgerentry WHERE order_id = %s AND kind = 'debit'"
    assert db.execute(debits, [order_id]).fetchone() == (1, 50)

    wait_until(lambda: order_status() == "FULFILLED", timeout=120, what="the order to be fulfilled")
    refunded = all_at_once(
        clients, "POST", f"/orders/{order_id}/refunds", {"reason": "duplicate"}, "storm-refund"
    )
    assert {(a.status, a.body["id"]) for a in refunded} == {(202, refunded[0].body["id"])}
    wait_until(lambda: order_status() == "REFUNDED", timeout=120, what="the refund to go through")
    assert db.execute("SELECT COUNT(*) FROM payments_refund WHERE order_id = %s", [order_id]).fetchone() == (
        1,
    )
    credits = "SELECT COUNT(*), SUM(amount) FROM payments_ledgerentry WHERE order_id = %s AND kind = 'credit'"
    assert db.execute(credits, [order_id]).fetchone() == (1, 50)
    db.close()
    for client in clients:
        client.close()
    replays = recorder.count(lambda route, status, code: code == "IDEMPOTENCY_KEY_IN_USE")
    print(f"idempotency storm: {CLIENTS} clients x 4 writes; {replays} answers IDEMPOTENCY_KEY_IN_USE")
    outcomes.drain(stack.database, seconds=60)
    assert outcomes.check(stack.database) == {}
    assert recorder.server_errors() == {}
