"""End-to-end throughput: partner clients ordering until every order is fulfilled.

Starts gunicorn and db_worker processes on the PostgreSQL database in DATABASE_URL, then runs
CLIENTS threads over HTTP in one of two flows (``--flow both`` runs hold, then instant, each with
fresh processes, in one session):

* hold: quote an offer, create an order, poll until its line is RESERVED, finalize it by wallet;
* instant: one create with the product inline and ``payment: {method: wallet, expectedTotal}``,
  then wait, without polling, for the ``order.fulfilled`` webhook at a receiver in this process
  (each signature verified with standardwebhooks, as a partner would).

It waits until every order is FULFILLED and prints orders/s, request latencies, CPU per order
(web, workers, PostgreSQL), statements per order (from the pg_stat_statements extension when
PostgreSQL preloads it; docs/benchmarks.md says how), and for the instant flow the time from each
``order.fulfilled`` event's commit to its arrival at the receiver.

    createdb -h 127.0.0.1 -U postgres tessera_throughput
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_throughput \\
        .venv/bin/python bench/throughput.py --orders 600 --clients 8 --web 3 --workers 3 --flow both
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
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("WEBHOOK_ALLOW_LOCAL_URLS", "1")  # the receiver listens on loopback

import setup_django  # puts the project on sys.path and starts Django
from machine import cpu_seconds, postgres_cpu_seconds, stolen_share, yardstick_ms

# isort: split

from django.core.management import call_command
from django.db import DatabaseError, connection
from standardwebhooks import Webhook

from orders.models import Order, OrderLine, Partner
from orders.services.api_keys import api_key_create
from orders.statuses import LineStatus
from payments.services import wallets
from suppliers.models import Product
from tessera.actors import Actor
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create

PORT = int(os.environ.get("BENCH_PORT", "8031"))  # gunicorn's port on 127.0.0.1
RECEIVER_PORT = int(os.environ.get("BENCH_RECEIVER_PORT", "8032"))  # the partner's webhook receiver


class Receiver(ThreadingHTTPServer):
    """The partner's webhook endpoint: verifies each delivery and notes when each order was
    fulfilled, and how long the webhook took from the event's commit."""

    daemon_threads = True

    def __init__(self, secret: str) -> None:
        super().__init__(("127.0.0.1", RECEIVER_PORT), ReceiverHandler)
        self.webhook = Webhook(secret)
        self.fulfilled: dict[str, float] = {}
        self.delays_ms: list[float] = []
        self.invalid = 0
        self.arrived = threading.Condition()

    def wait_for(self, order_id: str, timeout: float) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: order_id in self.fulfilled, timeout=timeout)


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Receiver = self.server
        try:
            event = server.webhook.verify(body, dict(self.headers))
        except Exception:  # noqa: BLE001 - any failure to verify is a bad delivery
            server.invalid += 1
            self.send_response(400)
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()
        if event["type"] == "order.fulfilled":
            committed = datetime.fromisoformat(event["createdAt"].replace("Z", "+00:00")).timestamp()
            with server.arrived:
                server.fulfilled[event["data"]["orderId"]] = time.time()
                server.delays_ms.append((time.time() - committed) * 1000)
                server.arrived.notify_all()

    def log_message(self, *args) -> None:
        pass


class Client(threading.Thread):
    def __init__(
        self, flow: str, key: str, product: Product, quota: "Quota", latencies: dict, receiver
    ) -> None:
        super().__init__(daemon=True)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.flow = flow
        self.product = product
        self.quota = quota
        self.latencies = latencies
        self.receiver = receiver
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

    def hold_order(self, conn) -> None:
        offer = self.request(conn, "POST", "/offers", {"productId": self.product.pk}, name="quote")
        body = {"offers": [offer["id"]], "travellers": [{"givenName": "Load", "familyName": "Test"}]}
        order = self.request(conn, "POST", "/orders", body, name="create")
        while "finalize" not in order["availableActions"]:
            time.sleep(0.05)
            order = self.request(conn, "GET", f"/orders/{order['id']}", name="poll")
        self.request(conn, "POST", f"/orders/{order['id']}/finalize", {"method": "wallet"}, name="finalize")

    def instant_order(self, conn) -> None:
        body = {
            "lines": [{"productId": self.product.pk, "quantity": 1}],
            "travellers": [{"givenName": "Load", "familyName": "Test"}],
            "payment": {
                "method": "wallet",
                "expectedTotal": {"amount": str(self.product.price), "currency": self.product.currency},
            },
        }
        started = time.perf_counter()
        order = self.request(conn, "POST", "/orders", body, name="create")
        if not self.receiver.wait_for(order["id"], timeout=120):
            raise RuntimeError(f"no order.fulfilled webhook for {order['id']} within 120 s")
        self.latencies.setdefault("to webhook", []).append((time.perf_counter() - started) * 1000)

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while self.quota.take():
            try:
                self.hold_order(conn) if self.flow == "hold" else self.instant_order(conn)
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


def prepare(orders: int) -> tuple[Partner, str, Product]:
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
    return partner, key, product


def receiver_for(partner: Partner) -> Receiver:
    """This run's endpoint (order.fulfilled only)."""
    _, secret = endpoint_create(
        partner_id=partner.pk,
        url=f"http://127.0.0.1:{RECEIVER_PORT}/tessera",
        event_types=["order.fulfilled"],
        description="throughput bench",
    )
    receiver = Receiver(secret)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    return receiver


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


def statements_executed() -> int | None:
    """Statements PostgreSQL has executed (pg_stat_statements), or None without the extension."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            cursor.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements")
            return int(cursor.fetchone()[0])
    except DatabaseError:
        return None


def run_flow(flow: str, args, partner: Partner, key: str, product: Product) -> None:
    WebhookEndpoint.objects.filter(partner=partner).update(enabled=False)  # earlier runs' receivers
    receiver = receiver_for(partner) if flow == "instant" else None
    baseline = Order.objects.filter(status="FULFILLED").count()
    python = sys.executable
    worker = [python, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--queue-name", "*"]
    processes = [
        start(gunicorn(args.web, "--access-logfile", "-"), f"{flow}-gunicorn"),
        *[start([*worker, "--interval", "0.5"], f"{flow}-worker{n}") for n in range(args.workers)],
    ]
    try:
        time.sleep(3)
        cpu_before = [cpu_seconds(p.pid) for p in processes], postgres_cpu_seconds()
        statements_before = statements_executed()
        stolen = stolen_share()
        latencies: dict[str, list[float]] = {}
        quota = Quota(args.orders)
        clients = [Client(flow, key, product, quota, latencies, receiver) for _ in range(args.clients)]
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
        statements_after = statements_executed()
        stolen_percent = 100 * stolen()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        if receiver is not None:
            receiver.shutdown()
            receiver.server_close()
    errors = [error for client in clients for error in client.errors]
    rate = Decimal(args.orders / elapsed).quantize(Decimal("0.1"))
    processes_used = f"{args.web} gunicorn + {args.workers} db_workers"
    print(f"--- {flow} flow: {args.orders} orders, {args.clients} clients, {processes_used}")
    print(f"requests done in {submitted:.1f} s; all FULFILLED after {elapsed:.1f} s")
    print(f"throughput: {rate} orders/s end to end; errors: {len(errors)}")
    for name, values in latencies.items():
        values.sort()
        p50, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
        print(f"  {name:10} n={len(values):5} p50={p50:7.1f} ms  p95={p95:7.1f} ms")
    if receiver is not None and receiver.delays_ms:
        delays = sorted(receiver.delays_ms)
        p95 = delays[int(len(delays) * 0.95) - 1]
        print(
            f"  webhook order.fulfilled, commit to receiver: n={len(delays)} "
            f"p50={statistics.median(delays):.0f} ms "
            f"p95={p95:.0f} ms max={delays[-1]:.0f} ms; signatures refused: {receiver.invalid}"
        )
    per_order = {
        name: 1000 * cpu / args.orders
        for name, cpu in (("web", web_cpu), ("workers", worker_cpu), ("PostgreSQL", database_cpu))
    }
    print("CPU per order: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in per_order.items()))
    if statements_before is not None and statements_after is not None:
        per_order_statements = (statements_after - statements_before) / args.orders
        print(f"statements per order (pg_stat_statements): {per_order_statements:.0f}")
    print(f"CPU time the virtual machine's host took for others during the run: {stolen_percent:.0f} %")
    for error in errors[:5]:
        print("  error:", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--web", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--workers", type=int, default=3, help="db_worker processes")
    parser.add_argument("--flow", choices=["hold", "instant", "both"], default="both")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    flows = ["hold", "instant"] if args.flow == "both" else [args.flow]
    partner, key, product = prepare(args.orders * len(flows))
    in_flight = OrderLine.objects.filter(
        status__in=[LineStatus.RESERVING, LineStatus.ISSUING, LineStatus.UNKNOWN]
    ).count()
    if in_flight:
        # A fresh bench/fill_orders.py fill leaves ~2,000 lines with the supplier; once they are
        # two minutes old the workers' sweep reconciles them, 500 a minute, in the middle of the
        # run: the first runs after a fill measured half the throughput of later ones.
        print(f"warning: {in_flight} lines from before this run are still with a supplier; the")
        print("workers will reconcile them during the run and slow it. Run again once they are done.")
    print(f"{Order.objects.count():,} orders in the database")
    for flow in flows:
        run_flow(flow, args, partner, key, product)
    print(f"yardstick (machine speed, docs/benchmarks.md): {yardstick_ms():.0f} ms")


if __name__ == "__main__":
    main()
