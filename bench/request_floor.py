"""What one request and one ORM statement cost before any of Tessera's own work: the floor under
the end-to-end throughput.

Starts one gunicorn worker on the PostgreSQL database in DATABASE_URL and sends each request
REPEAT times over one connection, reading the server's CPU time from /proc: a page outside the API
(Django's middleware and a 404), the wallet (DRF, the API key, the rate limit, one query), an
order (the partner's poll), and a quote (an idempotent write). Then, in this process, the Python
time of one ORM read against the same read sent through the cursor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_bench .venv/bin/python bench/request_floor.py
"""

import argparse
import http.client
import json
import subprocess
import sys
import time
import uuid

from machine import cpu_seconds, stolen_share, yardstick_ms
from throughput import PORT, gunicorn, prepare, start

# isort: split

from django.db import connection

from orders.models import Order, OrderLine


def per_request(server: subprocess.Popen, key: str, method: str, path: str, body: dict | None, repeat: int):
    """Server CPU ms and wall ms per request, the best of three rounds."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def send() -> int:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        conn.request(method, path, json.dumps(body) if body else None, headers)
        response = conn.getresponse()
        response.read()
        return response.status

    for _ in range(20):
        status = send()
    best = (float("inf"), float("inf"))
    for _ in range(3):
        cpu, wall = cpu_seconds(server.pid), time.perf_counter()
        for _ in range(repeat):
            send()
        measured = (
            (cpu_seconds(server.pid) - cpu) * 1000 / repeat,
            (time.perf_counter() - wall) * 1000 / repeat,
        )
        best = min(best, measured)
    return status, *best


def orm_against_cursor(repeat: int) -> tuple[float, float]:
    """Python CPU ms of reading one order line through the ORM, and through the cursor."""
    line_id = OrderLine.objects.order_by("-pk").values_list("pk", flat=True).first()
    sql = "SELECT * FROM orders_orderline WHERE id = %s"

    def orm() -> None:
        OrderLine.objects.filter(pk=line_id).order_by().first()

    def cursor() -> None:
        with connection.cursor() as c:
            c.execute(sql, [line_id])
            c.fetchall()

    results = []
    for read in (orm, cursor):
        for _ in range(20):
            read()
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            for _ in range(repeat):
                read()
            best = min(best, (time.process_time() - started) * 1000 / repeat)
        results.append(best)
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    key, product_id = prepare(args.repeat * 4)
    order_id = (
        Order.objects.filter(partner__slug="fjord-travel")
        .order_by("-created_at")
        .values_list("pk", flat=True)[0]
    )
    server = start(gunicorn(1), "request-floor")
    stolen = stolen_share()
    try:
        time.sleep(3)
        cases = [
            ("a page outside the API (404)", "GET", "/nothing-here", None),
            ("GET /api/v1/wallets", "GET", "/api/v1/wallets", None),
            ("GET /api/v1/orders/{id} (a poll)", "GET", f"/api/v1/orders/{order_id}", None),
            ("POST /api/v1/offers (a quote)", "POST", "/api/v1/offers", {"productId": product_id}),
        ]
        print(f"one gunicorn worker, {args.repeat} requests each, best of three rounds")
        for name, method, path, body in cases:
            status, cpu, wall = per_request(server, key, method, path, body, args.repeat)
            print(f"  {name:36} {status}  server CPU {cpu:5.2f} ms  wall {wall:5.2f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
    orm, cursor = orm_against_cursor(args.repeat * 3)
    print(f"one order line by primary key: ORM {orm:.2f} ms of Python, cursor {cursor:.2f} ms")
    print(f"CPU time the virtual machine's host took for others during the run: {100 * stolen():.0f} %")
    print(f"yardstick (machine speed, docs/benchmarks.md): {yardstick_ms():.0f} ms")


if __name__ == "__main__":
    main()
