"""Slow and dead suppliers against the whole system: gunicorn, ``db_worker --processes 2`` and the
supplier simulator over HTTP, on the PostgreSQL database in DATABASE_URL (a scratch one: it adds
partners, suppliers and orders). Prints figures; it is not a test.

(a) N orders of a 30-second product, then 1 order of an instant product of another partner and
    supplier: seconds until the instant order is RESERVED (p95 over --tries);
(b) N orders of the 30-second product at once, its supplier's limit at N: seconds until all are
    RESERVED; then (a) again with the limit at 10;
(c) a 7-ticket order of the 30-second product: seconds to RESERVED and supplier calls made;
(d) one supplier down (connection refused) while another serves: the healthy supplier's orders/s
    beside the outage compared with none, and calls sent to the dead one after its breaker opened.

    createdb -h 127.0.0.1 -U postgres tessera_slow
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_slow .venv/bin/python bench/slow_suppliers.py
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import setup_django  # puts the project on sys.path and starts Django

# isort: split

from django.core.management import call_command
from django.db import connection

from orders.models import Order, OrderLine, Partner
from orders.services.api_keys import api_key_create
from orders.services.creation import order_create
from orders.services.inputs import TravellerInput
from payments.services.wallets import wallet_open, wallet_top_up
from suppliers.events import BREAKER_OPENED
from suppliers.models import Product, Supplier, SupplierEvent, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor
from tessera.models import WorkerHeartbeat

WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", "8181"))
SIMULATOR_PORT = int(os.environ.get("BENCH_SIMULATOR_PORT", "8183"))
DEAD_PORT = int(os.environ.get("BENCH_DEAD_PORT", "8184"))  # nobody listens there
SLOW, INSTANT, HEALTHY = "BENCH-SLOW-30", "BENCH-INSTANT", "BENCH-HEALTHY"


def supplier(slug: str, port: int, *, limit: int) -> Supplier:
    row, _ = Supplier.objects.update_or_create(
        slug=slug,
        defaults={
            "name": slug,
            "kind": SupplierKind.RAIL,
            "adapter": "http_json",
            "settings": {"base_url": f"http://127.0.0.1:{port}"},
            "max_concurrent_calls": limit,
            "breaker_failure_threshold": 5,
            "breaker_cooldown_seconds": 10,
            "breaker_failures": 0,
            "breaker_opened_at": None,
            "breaker_probe_at": None,
        },
    )
    return row


def product(row: Supplier, reference: str) -> Product:
    item, _ = Product.objects.update_or_create(
        supplier=row,
        supplier_reference=reference,
        defaults={"kind": row.kind, "name": reference, "price": Decimal("10.00"), "currency": "EUR"},
    )
    return item


def partner(slug: str) -> str:
    row, _ = Partner.objects.update_or_create(
        slug=slug, defaults={"name": slug, "currency": "EUR", "allows_wallet": True}
    )
    wallet_open(partner=row, currency="EUR")
    wallet_top_up(
        partner_id=row.pk,
        currency="EUR",
        amount=Decimal("1000000"),
        reference=f"bench:{uuid.uuid4()}",
        actor=Actor.system("bench"),
    )
    return api_key_create(partner=row, name="slow suppliers bench", actor=Actor.system("bench"))[1]


class Api:
    def __init__(self, key: str) -> None:
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.local = threading.local()

    def post(self, path: str, body: dict) -> dict:
        conn = getattr(self.local, "conn", None) or http.client.HTTPConnection(
            "127.0.0.1", WEB_PORT, timeout=60
        )
        self.local.conn = conn
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        try:
            conn.request("POST", f"/api/v1{path}", json.dumps(body), headers)
            response = conn.getresponse()
            payload = json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            conn.close()
            raise
        if response.status >= 400:
            raise RuntimeError(f"POST {path}: {response.status} {payload}")
        return payload

    def order(self, product_id: int, quantity: int = 1) -> str:
        offer = self.post("/offers", {"productId": product_id, "quantity": quantity})
        travellers = [{"givenName": "Bench", "familyName": f"T{i}"} for i in range(quantity)]
        return self.post("/orders", {"offers": [offer["id"]], "travellers": travellers})["id"]


def orders_at_once(api: Api, product_id: int, count: int) -> list[str]:
    """A burst of orders, created by the partner's calls to the API (the API's own speed is
    bench/throughput.py's business; here it only delays the burst on a loaded machine)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: api.order(product_id), range(count)))


def burst(partner_slug: str, product_id: int, count: int) -> list[str]:
    """A burst of ``count`` orders created at once in this process (order_create, as the
    API does), so that the burst is in the queue within a few seconds whatever the web tier's speed."""

    def create(_) -> str:
        try:
            owner = Partner.objects.get(slug=partner_slug)
            offer = offer_quote(partner=owner, product_id=product_id)
            traveller = TravellerInput(given_name="Bench", family_name="Burst")
            return str(
                order_create(
                    partner=owner, offer_ids=[offer.pk], travellers=[traveller], actor=Actor.partner(owner)
                ).pk
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(create, range(count)))


def seconds_until_reserved(order_ids: list[str], started: float, *, timeout: float = 300) -> float:
    while time.perf_counter() - started < timeout:
        waiting = OrderLine.objects.filter(order_id__in=order_ids).exclude(status="RESERVED").exists()
        if not waiting:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise RuntimeError(f"{len(order_ids)} orders not RESERVED within {timeout} s")


def start(command: list[str], name: str) -> subprocess.Popen:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    log = open(setup_django.ROOT / f"bench-{name}.log", "w")  # noqa: SIM115
    return subprocess.Popen(command, cwd=setup_django.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def simulator_calls() -> dict[str, int]:
    """Calls the simulator received so far, by operation."""
    conn = http.client.HTTPConnection("127.0.0.1", SIMULATOR_PORT, timeout=10)
    conn.request("POST", "/_control", "{}", {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["calls"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.95 + 0.5) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100, help="orders of the 30-second product per burst")
    parser.add_argument("--tries", type=int, default=10, help="tries of (a) with the limit at N")
    parser.add_argument("--tries-at-10", type=int, default=3, help="tries of (a) with the limit at 10")
    parser.add_argument("--web", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--workers", type=int, default=2, help="db_worker processes")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    call_command("migrate", verbosity=0)
    WorkerHeartbeat.objects.all().delete()
    slow_supplier = supplier("bench-slow-rail", SIMULATOR_PORT, limit=args.orders)
    slow = product(slow_supplier, SLOW)
    instant = product(supplier("bench-instant", SIMULATOR_PORT, limit=10), INSTANT)
    healthy = product(supplier("bench-healthy", SIMULATOR_PORT, limit=20), HEALTHY)
    dead = product(supplier("bench-dead", DEAD_PORT, limit=20), "BENCH-DEAD")
    slow_partner, other_partner = Api(partner("bench-slow-partner")), Api(partner("bench-other-partner"))
    catalogue = setup_django.ROOT / "bench-simulator-catalogue.json"
    catalogue.write_text(json.dumps({SLOW: {"latency": 30}, INSTANT: {}, HEALTHY: {}}))
    python = sys.executable
    processes = [
        start(
            [
                python,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "-b",
                f"127.0.0.1:{WEB_PORT}",
                "-w",
                str(args.web),
            ],
            "slow-gunicorn",
        ),
        start(
            [
                python,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--queue-name",
                "*",
                "--interval",
                "0.1",
                "--processes",
                str(args.workers),
            ],
            "slow-workers",
        ),
        start(
            [
                python,
                "manage.py",
                "supplier_simulator",
                "--port",
                str(SIMULATOR_PORT),
                "--catalogue",
                str(catalogue),
            ],
            "slow-simulator",
        ),
    ]
    try:
        wait_for_the_stack(args.workers)
        print(
            f"gunicorn {args.web} + db_worker --processes {args.workers} (threads each: "
            f"{os.environ.get('WORKER_THREADS', 'default')}), simulator over HTTP, "
            f"{connection.settings_dict['NAME']}"
        )

        started = time.perf_counter()
        slow_orders = burst("bench-slow-partner", slow.pk, args.orders)
        created = time.perf_counter() - started
        took = seconds_until_reserved(slow_orders, started)
        print(
            f"(b) {args.orders} orders of the 30 s product, limit {args.orders}: all RESERVED after "
            f"{took:.1f} s (creating them took {created:.1f} s)"
        )

        reserve_calls_before = simulator_calls().get("reserve", 0)
        started = time.perf_counter()
        seven = slow_partner.order(slow.pk, quantity=7)
        took = seconds_until_reserved([seven], started)
        calls = simulator_calls().get("reserve", 0) - reserve_calls_before
        references = (
            OrderLine.objects.filter(order_id=seven).values("supplier_reservation_ref").distinct().count()
        )
        print(
            f"(c) a 7-ticket order of the 30 s product: RESERVED after {took:.1f} s; "
            f"supplier calls: {calls}; booking references: {references}"
        )

        instant_waits(other_partner, slow.pk, instant.pk, args.orders, args.tries, limit=args.orders)

        rate_alone = healthy_rate(other_partner, healthy.pk, args.orders)
        dead_orders = []
        feeder = threading.Thread(
            target=lambda: dead_orders.extend(burst("bench-slow-partner", dead.pk, args.orders))
        )
        feeder.start()
        rate_beside = healthy_rate(other_partner, healthy.pk, args.orders)
        feeder.join()
        time.sleep(15)  # a cool-down and a probe
        dead_supplier = Supplier.objects.get(slug="bench-dead")
        opened = (
            SupplierEvent.objects.filter(supplier=dead_supplier, name=BREAKER_OPENED)
            .order_by("created_at")
            .first()
        )
        if opened is None:
            print("(d) the dead supplier's breaker never opened")
        else:
            after_open = dead_supplier.breaker_failures - opened.payload["failures"]
            probes = SupplierEvent.objects.filter(supplier=dead_supplier).exclude(pk=opened.pk).count()
            print(
                f"(d) healthy supplier: {rate_alone:.1f} orders/s alone, {rate_beside:.1f} beside a dead one "
                f"({100 * rate_beside / rate_alone:.0f} %); calls to the dead one after its breaker opened: "
                f"{after_open} (probes: {probes})"
            )

        Supplier.objects.filter(pk=slow_supplier.pk).update(max_concurrent_calls=10)
        instant_waits(other_partner, slow.pk, instant.pk, args.orders, args.tries_at_10, limit=10)
        print(f"orders in the database: {Order.objects.count()}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        catalogue.unlink(missing_ok=True)


def wait_for_the_stack(workers: int) -> None:
    """Until every worker beats and the web server answers: start-up is not what this measures."""
    deadline = time.monotonic() + 300
    while WorkerHeartbeat.objects.count() < workers or not answers(WEB_PORT, "/api/v1/schema"):
        if time.monotonic() > deadline:
            sys.exit("the stack did not start within 5 minutes")
        time.sleep(0.5)


def answers(port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        conn.getresponse().read()
        return True
    except OSError:
        return False


def instant_waits(
    other_api: Api, slow_id: int, instant_id: int, count: int, tries: int, *, limit: int
) -> None:
    waits = []
    for _ in range(tries):
        burst("bench-slow-partner", slow_id, count)
        started = time.perf_counter()
        instant_order = other_api.order(instant_id)
        waits.append(seconds_until_reserved([instant_order], started))
    print(
        f"(a) limit {limit}: an instant order after {count} slow ones RESERVED in p95 {p95(waits):.2f} s, "
        f"max {max(waits):.2f} s over {tries} tries ({', '.join(f'{wait:.2f}' for wait in waits)})"
    )


def healthy_rate(api: Api, product_id: int, count: int) -> float:
    started = time.perf_counter()
    ids = orders_at_once(api, product_id, count)
    seconds_until_reserved(ids, started)
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
