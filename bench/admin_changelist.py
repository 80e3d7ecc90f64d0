"""Server time of the admin's order list (/admin/orders/order/) on a large database.

Fill the database first with bench/fill_orders.py, then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_bench .venv/bin/python bench/admin_changelist.py

It logs in a superuser through Django's test client (the real URL, middleware, session, admin
filters, search, paginator and templates; no network), warms up, and prints p50/p95/max in
milliseconds and the SQL statements of one page, for the default list, each filter and each
kind of search. The target is 300 ms per page. Figures go to docs/benchmarks.md.
"""

import os
import statistics
import sys
import time
from datetime import timedelta

import setup_django  # noqa: F401 - puts the project on sys.path and starts Django
from machine import analyze_tables, yardstick_ms

# isort: split

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from orders.models import Order, OrderLine
from suppliers.models import Supplier

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
URL = "/admin/orders/order/"


def scenarios() -> dict[str, dict]:
    busiest = Order.objects.values("partner").annotate(n=Count("id")).order_by("-n").first()["partner"]
    sample = Order.objects.exclude(external_reference="").order_by("-created_at")[5000]
    booked = OrderLine.objects.exclude(supplier_booking_ref="").order_by("-pk")[5000]
    rail = Supplier.objects.get(slug="sandbox-rail").pk
    today = timezone.now().date()
    week = {"created_at__from": (today - timedelta(days=6)).isoformat(), "created_at__to": today.isoformat()}
    return {
        "default: newest first, page 1": {},
        "page 100 (orders 4,951-5,000)": {"p": "100"},
        "status = PENDING": {"status__exact": "PENDING"},
        "partner = the busiest (30 %)": {"partner__id__exact": str(busiest)},
        "supplier = sandbox-rail (a line semi-join)": {"supplier": str(rail)},
        "payment method = invoice": {"payment_method__exact": "invoice"},
        "created in the past 7 days": week,
        "needs attention: any": {"attention": "any"},
        "FULFILLED + rail + past 7 days": {"status__exact": "FULFILLED", "supplier": str(rail), **week},
        "search: reference": {"q": sample.reference.lower()},
        "search: order id": {"q": str(sample.pk)},
        "search: external reference": {"q": sample.external_reference},
        "search: customer email (upper case)": {"q": sample.contact_email.upper()},
        "search: supplier booking reference": {"q": booked.supplier_booking_ref},
        "search: external reference (lower case)": {"q": sample.external_reference.lower()},
        "search: booking reference (lower case)": {"q": booked.supplier_booking_ref.lower()},
        "search: part of a customer's name": {"q": sample.contact_name[3:]},
        "search: part of a customer's email": {"q": sample.contact_email.split("@")[0][2:]},
    }


def measure(client: Client, params: dict) -> tuple[list[float], int]:
    response = client.get(URL, params)  # warm up
    assert response.status_code == 200, response.status_code
    statements = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)
    ):
        client.get(URL, params)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(URL, params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return sorted(timings), len(statements)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    stale = analyze_tables()
    if stale:
        print(f"analyzed first (autovacuum would have): {', '.join(stale)}")
    users = get_user_model().objects
    user = users.filter(username="bench-admin").first() or users.create_superuser(
        "bench-admin", "bench@localhost", None
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    print(f"{Order.objects.count():,} orders, {OrderLine.objects.count():,} lines; {RUNS} runs each")
    print(f"yardstick (machine speed, docs/benchmarks.md): {yardstick_ms():.0f} ms\n")
    print(f"{'page':46} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>5}")
    for name, params in scenarios().items():
        timings, statements = measure(client, params)
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{name:46} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f} {statements:5}")


if __name__ == "__main__":
    main()
