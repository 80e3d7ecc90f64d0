"""A db_worker SIGKILLed while the supplier is issuing, under traffic, then replaced: the order
completes and the supplier issued once. (tests/test_worker_recovery.py proves the same for one
order on the test database; this is the running system, with other orders flowing past.)"""

import time

import pytest

from tests.load import outcomes
from tests.load.conftest import TIMEOUT
from tests.load.traffic import Client, start_partners
from tests.worker_processes import wait_until

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.timeout(TIMEOUT)]

TRAFFIC_SECONDS = 40

RUNNING_ISSUE = """
    SELECT id, worker_ids ->> 0 FROM django_tasks_database_dbtaskresult
    WHERE task_path = 'orders.tasks.issue_line' AND status = 'RUNNING'
      AND args_kwargs -> 'kwargs' ->> 'line_id' = %s
"""


def test_a_worker_killed_mid_issuance_is_replaced_and_the_order_completes_issued_once(stack, recorder):
    a, b = stack.world["partners"][:2]
    slow = next(p for p in stack.world["products"] if p["reference"] == "LOAD-SLOW")
    deadline = time.monotonic() + TRAFFIC_SECONDS
    traffic = start_partners(
        stack.base_url, stack.world, recorder, count=2, deadline=deadline, name="kill", partners=[a, b]
    )
    buyer = Client(stack.base_url, a["key"], recorder, "kill-buyer")
    offer = buyer.write("POST", "/offers", {"productId": slow["id"], "denomination": "10.00"})
    order = buyer.write("POST", "/orders", {"offers": [offer.body["id"]]}).body
    db = stack.database.connect()
    [line_id] = [
        row[0] for row in db.execute("SELECT id FROM orders_orderline WHERE order_id = %s", [order["id"]])
    ]
    wait_until(
        lambda: (
            db.execute("SELECT status FROM orders_orderline WHERE id = %s", [line_id]).fetchone()[0]
            == "RESERVED"
        ),
        timeout=60,
        what="the slow line to be reserved",
    )
    finalized = buyer.write("POST", f"/orders/{order['id']}/finalize", {"method": "wallet"})
    assert finalized.status == 200, finalized.body

    # The supplier has accepted the issue call and the worker sleeps in it: kill that worker there.
    wait_until(
        lambda: (
            db.execute(
                "SELECT jsonb_array_length(issued_keys) FROM suppliers_sandboxbooking WHERE line_key = %s",
                [f"line:{line_id}"],
            ).fetchone()
            == (1,)
        ),
        timeout=60,
        what="the supplier to accept the issue call",
    )
    task_id, worker_name = db.execute(RUNNING_ISSUE, [str(line_id)]).fetchone()
    stack.kill_worker(worker_name)
    stack.start_worker("replacement")

    wait_until(
        lambda: (
            db.execute("SELECT status FROM orders_order WHERE id = %s", [order["id"]]).fetchone()[0]
            == "FULFILLED"
        ),
        timeout=90,
        what="the replacement worker to fulfil the order",
    )
    for client in traffic:
        client.join(timeout=TRAFFIC_SECONDS + 180)
    outcomes.drain(stack.database, seconds=120)

    issued_keys, issue_calls = db.execute(
        "SELECT issued_keys, issue_calls FROM suppliers_sandboxbooking WHERE line_key = %s",
        [f"line:{line_id}"],
    ).fetchone()
    assert issued_keys == [f"tessera:{line_id}:issue"], "the supplier issued more than once"
    assert issue_calls >= 2, "the recovered task asked the supplier again (same key)"
    assert db.execute("SELECT COUNT(*) FROM orders_voucher WHERE line_id = %s", [line_id]).fetchone() == (1,)
    debits = db.execute(
        "SELECT COUNT(*) FROM payments_ledgerentry WHERE order_id = %s AND kind = 'debit'", [order["id"]]
    ).fetchone()
    assert debits == (1,)
    killed = db.execute(
        "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult WHERE id = %s", [task_id]
    ).fetchone()
    assert killed == ("FAILED", "tessera.background.recovery.WorkerLost")
    db.close()
    assert [client.crash for client in traffic if client.crash] == []
    assert outcomes.check(stack.database) == {}
    assert recorder.server_errors() == {}
