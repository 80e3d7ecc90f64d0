"""End-to-end throughput: partner clients creating and finalizing orders until all are fulfilled.

Starts gunicorn and db_worker processes on the PostgreSQL database in DATABASE_URL, then runs
CLIENTS threads that each, over HTTP: quote an offer, create an order, poll until its line is
RESERVED, finalize it by wallet. It waits until every order is FULFILLED and prints orders/s
(created, finalized and fulfilled) and request latencies.

    createdb -h 127.0.0.1 -U postgres tessera_throughput
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_throughput \\
        .venv/bin/python bench/throughput.py --orders 600 --clients 8 --web 3 --workers 3
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import setup_django  # puts the project on sys.path and starts Django
from machine import cpu_seconds, postgres_cpu_seconds, stolen_share, yardstick_ms

# isort: split

from django.core.management import call_command
from django.db import connection

from orders.models import Order, OrderLine, Partner
from orders.services.api_keys import api_key_create
from orders.statuses import LineStatus
from payments.services import wallets
from suppliers.models import Product
from tessera.actors import Actor

PORT = int(os.environ.get("BENCH_PORT", "8031"))  # gunicorn's port on 127.0.0.1


class Client(threading.Thread):
    def __init__(self, key: str, product_id: int, quota: "Quota", latencies: dict) -> None:
        super().__init__(daemon=True)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.product_id = product_id
        self.quota = quota
        self.latencies = latencies
        self.errors: list[str] = []

    def request(self, conn, method: str, path: str, body=None, *, name: str) -> dict:
        headers = dict(self.headers)
        if method != "GET":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        started = time.perf_counter()
        conn.request(method, f"/api/v1{path}", json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        self.latencies.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {payload.get('errorCode')}")
        return payload

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while self.quota.take():
            try:
                offer = self.request(conn, "POST", "/offers", {"productId": self.product_id}, name="quote")
                body = {"offers": [offer["id"]], "travellers": [{"givenName": "Load", "familyName": "Test"}]}
                order = self.request(conn, "POST", "/orders", body, name="create")
                while "finalize" not in order["availableActions"]:
                    time.sleep(0.05)
                    order = self.request(conn, "GET", f"/orders/{order['id']}", name="poll")
                self.request(
                    conn, "POST", f"/orders/{order['id']}/finalize", {"method": "wallet"}, name="finalize"
                )
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                self.errors.append(str(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)


class Quota:
    def __init__(self, total: int) -> None:
        self.left = total
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.left -= 1
            return self.left >= 0


def prepare(orders: int) -> tuple[str, int]:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    partner = Partner.objects.get(slug="fjord-travel")
    product = Product.objects.get(supplier_reference="CONCERT-GA")
    wallets.wallet_top_up(
        partner_id=partner.pk,
        currency="EUR",
        amount=product.price * orders,
        reference=f"bench:{uuid.uuid4()}",
        actor=Actor.system("bench"),
    )
    _, key = api_key_create(partner=partner, name="throughput bench", actor=Actor.system("bench"))
    return key, product.pk


def gunicorn(workers: int, *options: str) -> list[str]:
    """The command that serves Tessera on PORT with ``workers`` gunicorn worker processes."""
    address = f"127.0.0.1:{PORT}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "-b",
        address,
        "-w",
        str(workers),
        *options,
    ]


def start(command: list[str], log_name: str) -> subprocess.Popen:
    env = {**os.environ, "SANDBOX_TIME_SCALE": "0", "LOG_LEVEL": "WARNING"}
    log = open(setup_django.ROOT / f"bench-{log_name}.log", "w")  # noqa: SIM115
    return subprocess.Popen(command, cwd=setup_django.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--web", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--workers", type=int, default=3, help="db_worker processes")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    key, product_id = prepare(args.orders)
    in_flight = OrderLine.objects.filter(
        status__in=[LineStatus.RESERVING, LineStatus.ISSUING, LineStatus.UNKNOWN]
    ).count()
    if in_flight:
        # A fresh bench/fill_orders.py fill leaves ~2,000 lines with the supplier; once they are
        # two minutes old the workers' sweep reconciles them, 500 a minute, in the middle of the
        # run: the first runs after a fill measured half the throughput of later ones.
        print(f"warning: {in_flight} lines from before this run are still with a supplier; the")
        print("workers will reconcile them during the run and slow it. Run again once they are done.")
    baseline = Order.objects.filter(status="FULFILLED").count()
    python = sys.executable
    processes = [
        start(gunicorn(args.web, "--access-logfile", "-"), "gunicorn"),
        *[
            start(
                [
                    python,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                    "--no-startup-delay",
                    "--queue-name",
                    "*",
                    "--interval",
                    "0.05",
                ],
                f"worker{n}",
            )
            for n in range(args.workers)
        ],
    ]
    try:
        time.sleep(3)
        cpu_before = [cpu_seconds(p.pid) for p in processes], postgres_cpu_seconds()
        stolen = stolen_share()
        latencies: dict[str, list[float]] = {}
        quota = Quota(args.orders)
        clients = [Client(key, product_id, quota, latencies) for _ in range(args.clients)]
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        submitted = time.perf_counter() - started
        target = baseline + args.orders - sum(len(c.errors) for c in clients)
        while Order.objects.filter(status="FULFILLED").count() < target:
            if time.perf_counter() - started > 600:
                sys.exit("orders did not all reach FULFILLED within 10 minutes")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        web_cpu = cpu_seconds(processes[0].pid) - cpu_before[0][0]
        worker_cpu = sum(cpu_seconds(p.pid) for p in processes[1:]) - sum(cpu_before[0][1:])
        database_cpu = postgres_cpu_seconds() - cpu_before[1]
        stolen_percent = 100 * stolen()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    errors = [error for client in clients for error in client.errors]
    rate = Decimal(args.orders / elapsed).quantize(Decimal("0.1"))
    print(f"{args.orders} orders, {args.clients} clients, {args.web} gunicorn + {args.workers} db_workers")
    print(f"created and finalized in {submitted:.1f} s; all FULFILLED after {elapsed:.1f} s")
    print(f"throughput: {rate} orders/s end to end; errors: {len(errors)}")
    for name, values in latencies.items():
        values.sort()
        p50, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
        print(f"  {name:9} n={len(values):5} p50={p50:6.1f} ms  p95={p95:6.1f} ms")
    per_order = {
        name: 1000 * cpu / args.orders
        for name, cpu in (("web", web_cpu), ("workers", worker_cpu), ("PostgreSQL", database_cpu))
    }
    print("CPU per order: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in per_order.items()))
    print(f"CPU time the virtual machine's host took for others during the run: {stolen_percent:.0f} %")
    print(f"yardstick (machine speed, docs/benchmarks.md): {yardstick_ms():.0f} ms")
    for error in errors[:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
