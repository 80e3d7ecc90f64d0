"""After the load run: no voucher secret and no API key in a pg_dump of the database, in the logs
of gunicorn and the workers (JSON lines, scanned as written and as decoded), or in any answer a
load client received.

The secrets looked for come from the other side: what the sandbox supplier handed out (its
bookings) and the raw keys the harness made. This module runs after the other scenarios
(tests/load/conftest.py) and adds a short burst of its own, so it always has vouchers to look for.
"""

import itertools
import json
import re
import time
from pathlib import Path

import pytest

from tests.load.conftest import TIMEOUT
from tests.load.stack import run_django
from tests.load.traffic import Client, Recorder, start_partners

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.timeout(TIMEOUT)]

BURST_SECONDS = 20
# The shapes of every secret looked for: a secret must have one (checked), so that finding the
# shapes and keeping the known ones misses none.
SHAPES = re.compile(
    rb"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}"  # voucher codes
    rb"|TKT\d{10}"  # ticket codes
    rb"|ACT-[0-9A-F]{16}"  # supplier secrets
    rb"|https://sandbox\.tessera\.invalid/redeem/[0-9a-f]{24}"  # redemption links
    rb"|tsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}"  # API keys
)
PIN_MEMBER = re.compile(rb'"pin"\s*:\s*"\d+"|\bpin\W{1,3}\d{4}\b', re.IGNORECASE)
BYTEA = re.compile(rb"\\\\x([0-9a-f]+)")


def found_in(data: bytes, secrets: set[bytes]) -> set[bytes]:
    """The known secrets in ``data``, also inside bytea values written as hex (pg_dump) and
    inside the members of JSON log lines (as decoded, escapes undone)."""
    hits = {match for match in SHAPES.findall(data) if match in secrets}
    for hexed in BYTEA.findall(data):
        decoded = bytes.fromhex(hexed.decode())
        hits |= {match for match in SHAPES.findall(decoded) if match in secrets}
    for decoded in json_log_values(data):
        hits |= {match for match in SHAPES.findall(decoded) if match in secrets}
    if PIN_MEMBER.search(data):
        hits.add(b"a PIN: " + PIN_MEMBER.search(data).group())
    return hits


def json_log_values(data: bytes) -> list[bytes]:
    """Every string member of the JSON objects ``data`` holds one a line (LOG_FORMAT=json)."""
    values = []
    for line in data.splitlines():
        if not line.startswith(b"{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        values += [str(value).encode() for value in record.values() if value is not None]
    return values


def test_no_voucher_secret_or_api_key_in_the_dump_the_logs_or_any_answer(stack, recorder):
    deadline = time.monotonic() + BURST_SECONDS
    burst = start_partners(
        stack.base_url, stack.world, recorder, count=2, deadline=deadline, name="scan", first_seed=100
    )
    for client in burst:
        client.join(timeout=BURST_SECONDS + 180)
    handed_out = json.loads(run_django("tests.load.sandbox_secrets", stack.env))
    api_keys = [partner["key"] for partner in stack.world["partners"]]
    secrets = {value.encode() for value in [*itertools.chain(*handed_out.values()), *api_keys]}
    secrets -= {pin.encode() for pin in handed_out["pin"]}  # four digits: looked for as "pin" members
    assert len(handed_out["code"]) >= 5, "too few vouchers delivered to look for"
    assert [s for s in secrets if not SHAPES.fullmatch(s)] == [], "a secret the scan could not see"
    assert_scan_finds_what_tessera_reveals(stack, secrets)

    recorder.close()
    stack.stop()  # every log complete
    dump = stack.database.dump(stack.run_dir / "dump.sql")
    scanned: list[Path] = [dump, *stack.logs(), stack.run_dir / "bodies.jsonl"]
    sizes = {path.name: path.stat().st_size for path in scanned}
    findings = {path.name: sorted(found_in(path.read_bytes(), secrets)) for path in scanned}
    summary = f"scanned {sizes} for {len(secrets)} secrets: {findings}"
    (stack.run_dir / "secrets-scan.txt").write_text(summary)
    print(summary)

    assert sizes[dump.name] > 100_000 and sizes["bodies.jsonl"] > 10_000, "nothing much was scanned"
    assert json_log_values((stack.run_dir / "gunicorn.log").read_bytes()), "the logs were not JSON lines"
    assert {name: hits for name, hits in findings.items() if hits} == {}


def assert_scan_finds_what_tessera_reveals(stack, secrets: set[bytes]) -> None:
    """The control: the vouchers endpoint shows an order's owner its codes, and the scan finds
    them in that answer (kept apart from the answers scanned above)."""
    control = Recorder(stack.run_dir / "control-revealed.jsonl")
    owner = stack.world["partners"][0]
    client = Client(stack.base_url, owner["key"], control, "scan-control")
    with stack.database.connect() as conn:
        order_id = conn.execute(
            """SELECT o.id FROM orders_order o JOIN orders_partner p ON p.id = o.partner_id
               JOIN orders_orderline l ON l.order_id = o.id JOIN orders_voucher v ON v.line_id = l.id
               WHERE p.slug = %s AND l.status = 'ISSUED' AND v.kind = 'code' LIMIT 1""",
            [owner["slug"]],
        ).fetchone()[0]
    revealed = client.get(f"/orders/{order_id}/vouchers")
    client.close()
    control.close()
    assert revealed.status == 200, revealed.body
    revealed_codes = found_in((stack.run_dir / "control-revealed.jsonl").read_bytes(), secrets) & secrets
    assert revealed_codes, "the scan is blind: it did not find the codes Tessera revealed"
