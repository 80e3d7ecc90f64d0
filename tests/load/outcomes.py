"""After a scenario: let the system finish, then check the invariants and count what happened."""

import time
from collections import Counter
from datetime import UTC, datetime

from tests.load import invariants
from tests.load.stack import Database

# A line the worker follows is seen by the reconcile sweep within LINE_STALE_AFTER_SECONDS (20)
# plus RECONCILE_SWEEP_SECONDS (10) in the load stack's settings; then some slack.
GRACE_SECONDS = 45

STILL_MOVING = """
    SELECT
      (SELECT COUNT(*) FROM orders_order WHERE status = 'PROCESSING'),
      (SELECT COUNT(*) FROM orders_order WHERE status = 'PENDING'),
      (SELECT COUNT(*) FROM payments_refund WHERE status IN ('REQUESTED', 'PROCESSING'))
"""

FAULTS_SEEN = """
    SELECT
      (SELECT COUNT(*) FROM orders_orderevent
        WHERE transition IN ('line.retry_scheduled', 'refund.supplier_retry_scheduled')),
      (SELECT COUNT(*) FROM orders_orderevent WHERE transition = 'line.unknown'),
      (SELECT COUNT(*) FROM orders_orderevent
        WHERE transition IN ('line.reservation_confirmed', 'line.issuance_retried',
                             'line.reservation_retried')),
      (SELECT COALESCE(SUM(reserve_calls + issue_calls), 0) FROM suppliers_sandboxbooking)
"""


def drain(database: Database, *, seconds: float) -> tuple[int, int, int]:
    """Wait until no order is PROCESSING or PENDING and no refund is under way, for at most
    ``seconds``; returns what is still moving (processing, pending, refunds)."""
    deadline = time.monotonic() + seconds
    with database.connect() as conn:
        while True:
            moving = conn.execute(STILL_MOVING).fetchone()
            if not any(moving) or time.monotonic() > deadline:
                return moving
            time.sleep(1)


def check(database: Database) -> dict[str, list[tuple]]:
    """The invariants, with "waiting" judged as of now: the system is still running."""
    with database.connect() as conn:
        return invariants.violations(conn, grace=GRACE_SECONDS, as_of=datetime.now(UTC))


def statuses(database: Database) -> Counter:
    with database.connect() as conn:
        return Counter(
            dict(conn.execute("SELECT status, COUNT(*) FROM orders_order GROUP BY status").fetchall())
        )


def faults(database: Database) -> dict[str, int]:
    with database.connect() as conn:
        retries, unknown, reconciled, calls = conn.execute(FAULTS_SEEN).fetchone()
    return {
        "supplier_retries": retries,
        "lines_unknown": unknown,
        "reconciled": reconciled,
        "supplier_calls": calls,
    }


def money(database: Database) -> invariants.Totals:
    with database.connect() as conn:
        return invariants.totals(conn)
