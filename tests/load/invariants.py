"""What must hold in Tessera's database after any run, however it was treated: plain SQL.

Each check is a query that returns the rows breaking its rule (at most LIMIT of them); an empty
answer means the rule holds. The load suite runs them after every scenario, and anyone can run
them again on a database a run left behind:

    .venv/bin/python -m tests.load.invariants postgres://postgres@127.0.0.1:5432/tessera_load

"Waiting" is judged as of the database's last write (``as_of``): a PENDING order not yet past its
expiry, or a line the worker is still following (a queued task names it, the delayed-voucher poll
holds it, or it changed less than ``grace`` seconds ago, so the reconcile sweep will see it).
"""

import sys
from dataclasses import dataclass
from decimal import Decimal

import psycopg

LIMIT = 20
TERMINAL = (
    "FULFILLED",
    "PARTIALLY_FULFILLED",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "CANCELED",
    "EXPIRED",
    "FAILED",
)

# A line still followed by the worker: a task that names it (alone or in a fan-out), the
# delayed-voucher poll, or a recent change the reconcile sweep will come back to.
_FOLLOWED = """(
    l.updated_at > %(as_of)s - make_interval(secs => %(grace)s)
    OR l.sub_status IN ('vendor_order_created', 'voucher_fetch_pending')
    OR EXISTS (
        SELECT 1 FROM django_tasks_database_dbtaskresult t
        WHERE t.status IN ('READY', 'RUNNING')
          AND (t.args_kwargs -> 'kwargs' ->> 'line_id' = l.id::text
               OR (t.args_kwargs -> 'kwargs' -> 'line_ids') @> to_jsonb(l.id))
    )
)"""

CHECKS: dict[str, str] = {
    # --- every order ends, or is legitimately waiting ------------------------------------------
    "order_terminal_or_waiting": f"""
        SELECT o.id, o.status, o.expires_at, o.updated_at FROM orders_order o
        WHERE o.status NOT IN {TERMINAL}
          AND NOT (
            o.status = 'PENDING'
            AND o.expires_at > %(as_of)s - make_interval(secs => %(grace)s)
            AND NOT EXISTS (
                SELECT 1 FROM orders_orderline l
                WHERE l.order_id = o.id AND l.status NOT IN ('RESERVING', 'RESERVED', 'UNKNOWN')
            )
            AND NOT EXISTS (
                SELECT 1 FROM orders_orderline l
                WHERE l.order_id = o.id AND l.status IN ('RESERVING', 'UNKNOWN') AND NOT {_FOLLOWED}
            )
          )
          AND NOT (
            o.status = 'PROCESSING'
            AND EXISTS (
                SELECT 1 FROM orders_orderline l
                WHERE l.order_id = o.id AND l.status IN ('ISSUING', 'UNKNOWN')
            )
            AND NOT EXISTS (
                SELECT 1 FROM orders_orderline l
                WHERE l.order_id = o.id AND l.status NOT IN ('ISSUING', 'UNKNOWN', 'ISSUED', 'FAILED')
            )
            AND NOT EXISTS (
                SELECT 1 FROM orders_orderline l
                WHERE l.order_id = o.id AND l.status IN ('ISSUING', 'UNKNOWN') AND NOT {_FOLLOWED}
            )
          )
    """,
    "refund_finished_or_followed": """
        SELECT r.id, r.status, r.updated_at FROM payments_refund r
        WHERE r.status IN ('REQUESTED', 'PROCESSING')
          AND r.updated_at < %(as_of)s - make_interval(secs => %(grace)s)
    """,
    # --- wallets: balance = ledger, never below zero at any point ------------------------------
    "wallet_balance_is_its_ledger_sum": """
        SELECT w.id, w.balance, COALESCE(SUM(e.amount), 0) AS ledger
        FROM payments_wallet w LEFT JOIN payments_ledgerentry e ON e.wallet_id = w.id
        GROUP BY w.id HAVING w.balance <> COALESCE(SUM(e.amount), 0)
    """,
    "ledger_running_balance_never_negative": """
        SELECT id, wallet_id, balance_after, running FROM (
            SELECT e.id, e.wallet_id, e.balance_after,
                   SUM(e.amount) OVER (PARTITION BY e.wallet_id ORDER BY e.id) AS running
            FROM payments_ledgerentry e
        ) x WHERE balance_after <> running OR balance_after < 0
    """,
    # --- money: what a wallet order was debited = what it got + what is still on its way --------
    # debited - credited = ISSUED lines + lines still ISSUING/UNKNOWN + fees suppliers kept on refunds
    "wallet_order_money_adds_up": """
        SELECT o.id, o.status, m.debited, m.credited, m.issued, m.in_flight, m.fees FROM orders_order o
        CROSS JOIN LATERAL (
            SELECT
              COALESCE((SELECT -SUM(e.amount) FROM payments_ledgerentry e
                        WHERE e.order_id = o.id AND e.kind = 'debit'), 0) AS debited,
              COALESCE((SELECT SUM(e.amount) FROM payments_ledgerentry e
                        WHERE e.order_id = o.id AND e.kind = 'credit'), 0) AS credited,
              COALESCE((SELECT SUM(l.amount) FROM orders_orderline l
                        WHERE l.order_id = o.id AND l.status = 'ISSUED'), 0) AS issued,
              COALESCE((SELECT SUM(l.amount) FROM orders_orderline l
                        WHERE l.order_id = o.id AND l.status IN ('ISSUING', 'UNKNOWN')), 0) AS in_flight,
              COALESCE((SELECT SUM(rl.supplier_fee) FROM payments_refundline rl
                        JOIN payments_refund r ON r.id = rl.refund_id
                        WHERE r.order_id = o.id AND r.status = 'SUCCEEDED'), 0) AS fees
        ) m
        WHERE o.payment_method = 'wallet'
          AND (m.debited <> o.total_amount OR m.debited - m.credited <> m.issued + m.in_flight + m.fees)
    """,
    "unpaid_order_moved_no_money": """
        SELECT o.id, o.status, e.kind, e.amount FROM orders_order o
        JOIN payments_ledgerentry e ON e.order_id = o.id
        WHERE o.finalized_at IS NULL
    """,
    "one_debit_per_order": """
        SELECT order_id, COUNT(*) FROM payments_ledgerentry
        WHERE kind = 'debit' AND order_id IS NOT NULL GROUP BY order_id HAVING COUNT(*) > 1
    """,
    "refunds_within_payment": """
        SELECT p.id, p.amount, SUM(r.amount) FROM payments_payment p
        JOIN payments_refund r ON r.payment_id = p.id AND r.status <> 'FAILED'
        GROUP BY p.id HAVING SUM(r.amount) > p.amount
    """,
    "order_total_is_its_lines": """
        SELECT o.id, o.total_amount, SUM(l.amount) FROM orders_order o
        JOIN orders_orderline l ON l.order_id = o.id
        GROUP BY o.id HAVING o.total_amount <> SUM(l.amount)
    """,
    # --- vouchers: one per delivered line, none for lines not delivered ------------------------
    "line_has_at_most_one_voucher": """
        SELECT line_id, COUNT(*) FROM orders_voucher GROUP BY line_id HAVING COUNT(*) > 1
    """,
    "delivered_line_has_its_voucher": """
        SELECT l.id, l.status FROM orders_orderline l
        WHERE l.status IN ('ISSUED', 'REFUNDED')
          AND NOT EXISTS (SELECT 1 FROM orders_voucher v WHERE v.line_id = l.id)
    """,
    "undelivered_line_has_no_voucher": """
        SELECT l.id, l.status FROM orders_orderline l
        JOIN orders_voucher v ON v.line_id = l.id
        WHERE l.status NOT IN ('ISSUED', 'REFUNDED')
    """,
    # --- the supplier's side: issued once, and what it issued was delivered --------------------
    "supplier_issued_each_line_once": """
        SELECT line_key, issued_keys FROM suppliers_sandboxbooking WHERE jsonb_array_length(issued_keys) > 1
    """,
    "supplier_issued_but_not_delivered": """
        SELECT l.id, l.status, b.state FROM orders_orderline l
        JOIN suppliers_sandboxbooking b ON b.line_key = 'line:' || l.id
        WHERE b.state IN ('ISSUED', 'ISSUE_PENDING', 'REFUNDED') AND l.status IN ('FAILED', 'RELEASED')
    """,
    "delivered_but_not_issued_by_supplier": """
        SELECT l.id, l.status, b.state FROM orders_orderline l
        LEFT JOIN suppliers_sandboxbooking b ON b.line_key = 'line:' || l.id
        JOIN suppliers_supplier s ON s.id = l.supplier_id AND s.adapter = 'sandbox'
        WHERE l.status IN ('ISSUED', 'REFUNDED')
          AND (b.state IS NULL OR b.state NOT IN ('ISSUED', 'REFUNDED'))
    """,
    # --- idempotency: one key, one effect ------------------------------------------------------
    "idempotency_key_made_one_order": """
        SELECT partner_id, idempotency_key, COUNT(*) FROM orders_order
        WHERE idempotency_key <> '' GROUP BY partner_id, idempotency_key HAVING COUNT(*) > 1
    """,
    "stored_answer_names_the_order_its_key_made": """
        SELECT k.partner_id, k.key, k.response_body ->> 'id' AS answered, o.id AS made
        FROM orders_idempotencyrecord k
        JOIN orders_order o ON o.partner_id = k.partner_id AND o.idempotency_key = k.key
        WHERE k.state = 'COMPLETED' AND k.endpoint = 'POST /api/v1/orders' AND k.response_status = 202
          AND k.response_body ->> 'id' <> o.id::text
    """,
    "completed_create_made_its_order": """
        SELECT k.partner_id, k.key FROM orders_idempotencyrecord k
        WHERE k.state = 'COMPLETED' AND k.endpoint = 'POST /api/v1/orders' AND k.response_status = 202
          AND NOT EXISTS (SELECT 1 FROM orders_order o WHERE o.id::text = k.response_body ->> 'id')
    """,
    # --- the audit trail: every status is the end of an unbroken chain of transitions ----------
    "order_status_is_its_last_transition": """
        SELECT o.id, o.status, last.to_status FROM orders_order o
        LEFT JOIN LATERAL (
            SELECT e.to_status FROM orders_orderevent e
            WHERE e.order_id = o.id AND e.subject_type = 'order' AND e.to_status <> ''
            ORDER BY e.id DESC LIMIT 1
        ) last ON TRUE
        WHERE o.status <> COALESCE(last.to_status, 'PENDING')
    """,
    "line_status_is_its_last_transition": """
        SELECT l.id, l.status, last.to_status FROM orders_orderline l
        LEFT JOIN LATERAL (
            SELECT e.to_status FROM orders_orderevent e
            WHERE e.order_id = l.order_id AND e.subject_type = 'line' AND e.subject_id = l.id::text
              AND e.to_status <> ''
            ORDER BY e.id DESC LIMIT 1
        ) last ON TRUE
        WHERE l.status <> COALESCE(last.to_status, 'RESERVING')
    """,
    "transitions_chain_from_status_to_status": """
        SELECT id, subject_type, subject_id, from_status, previous FROM (
            SELECT e.id, e.subject_type, e.subject_id, e.from_status,
                   LAG(e.to_status) OVER (PARTITION BY e.order_id, e.subject_type, e.subject_id ORDER BY e.id)
                     AS previous
            FROM orders_orderevent e
            WHERE e.to_status <> '' AND e.from_status <> '' AND e.subject_type IN ('order', 'line')
        ) x WHERE previous IS NOT NULL AND from_status <> previous
    """,
}


@dataclass(frozen=True)
class Totals:
    """The money of every wallet order in one line, for the figures in docs/reliability.md."""

    debited: Decimal
    credited: Decimal
    issued: Decimal
    in_flight: Decimal
    fees: Decimal
    top_ups: Decimal
    balances: Decimal

    def __str__(self) -> str:
        return (
            f"debited {self.debited} - credited {self.credited} = {self.debited - self.credited}; "
            f"issued {self.issued} + in flight {self.in_flight} + fees kept {self.fees} = "
            f"{self.issued + self.in_flight + self.fees}; top-ups {self.top_ups} - debited + credited = "
            f"{self.top_ups - self.debited + self.credited} = balances {self.balances}"
        )


TOTALS = """
    SELECT
      COALESCE((SELECT -SUM(amount) FROM payments_ledgerentry WHERE kind = 'debit'), 0),
      COALESCE((SELECT SUM(amount) FROM payments_ledgerentry WHERE kind = 'credit'), 0),
      COALESCE((SELECT SUM(l.amount) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
                WHERE o.payment_method = 'wallet' AND l.status = 'ISSUED'), 0),
      COALESCE((SELECT SUM(l.amount) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
                WHERE o.payment_method = 'wallet' AND o.status = 'PROCESSING'
                  AND l.status IN ('ISSUING', 'UNKNOWN')), 0),
      COALESCE((SELECT SUM(rl.supplier_fee) FROM payments_refundline rl
                JOIN payments_refund r ON r.id = rl.refund_id JOIN payments_payment p ON p.id = r.payment_id
                WHERE r.status = 'SUCCEEDED' AND p.method = 'wallet'), 0),
      COALESCE((SELECT SUM(amount) FROM payments_ledgerentry WHERE kind = 'top_up'), 0),
      COALESCE((SELECT SUM(balance) FROM payments_wallet), 0)
"""

LAST_WRITE = """
    SELECT GREATEST(
        (SELECT MAX(updated_at) FROM orders_order),
        (SELECT MAX(created_at) FROM orders_orderevent),
        now() - interval '100 years'
    )
"""


def violations(conn: psycopg.Connection, *, grace: float, as_of=None) -> dict[str, list[tuple]]:
    """Every check that fails, with the rows that break it; {} when all hold."""
    with conn.cursor() as cursor:
        if as_of is None:
            as_of = cursor.execute(LAST_WRITE).fetchone()[0]
        found = {}
        for name, sql in CHECKS.items():
            rows = cursor.execute(f"{sql} LIMIT {LIMIT}", {"as_of": as_of, "grace": grace}).fetchall()
            if rows:
                found[name] = rows
        return found


def totals(conn: psycopg.Connection) -> Totals:
    with conn.cursor() as cursor:
        return Totals(*cursor.execute(TOTALS).fetchone())


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(f"usage: python -m tests.load.invariants DATABASE_URL [GRACE_SECONDS]\n\n{__doc__}")
        return 2
    grace = float(argv[2]) if len(argv) == 3 else 60.0
    with psycopg.connect(argv[1], autocommit=True) as conn:
        found = violations(conn, grace=grace)
        print(totals(conn))
    for name in CHECKS:
        print(f"{'FAIL' if name in found else 'ok  '} {name}")
        for row in found.get(name, []):
            print("       ", row)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
