"""Latency of ``GET /api/v1/orders`` on a large database (server time, in-process, no network).

Fill the database first with bench/fill_orders.py, then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_bench .venv/bin/python bench/list_latency.py

It picks the partner with the most orders, makes it an API key, warms up, and prints p50/p95/max
in milliseconds for each scenario. Figures go to docs/benchmarks.md.
"""

import os
import statistics
import sys
import time

import setup_django  # noqa: F401 - puts the project on sys.path and starts Django
from machine import analyze_tables, yardstick_ms

# isort: split

from django.db import connection
from django.db.models import Count
from django.test import Client

from orders.models import Order, Partner
from orders.services.api_keys import api_key_create
from tessera.actors import Actor

RUNS = int(os.environ.get("BENCH_RUNS", "60"))


def busiest_partner():
    row = Order.objects.values("partner").annotate(n=Count("id")).order_by("-n").first()
    return row["partner"], row["n"]


def scenarios(partner_id: int) -> dict[str, dict]:
    mine = Order.objects.filter(partner_id=partner_id)
    sample = mine.exclude(external_reference="").order_by("-created_at")[1000]
    return {
        "first page, filtered, with totals": {
            "status": "in:FULFILLED,PROCESSING",
            "createdAt": "gte:2026-01-01T00:00:00Z",
        },
        "first page, no filter, with totals": {},
        "totalAmount=lt:100, by amount": {"totalAmount": "lt:100", "orderBy": "totalAmount", "sortBy": "asc"},
        "deep page (page 200 of 25)": {"page": "200"},
        "cursor page (updatedSince)": {"updatedSince": "2026-06-01T00:00:00Z", "perPage": "25"},
        "lookup by externalReference": {"externalReference": sample.external_reference},
        "lookup by reference": {"reference": sample.reference},
        "lookup by contact email": {"contactEmail": sample.contact_email.upper()},
        "line filter: supplier": {"supplier": "sandbox-rail", "limit": "25"},
    }


def measure(client: Client, headers: dict, params: dict) -> list[float]:
    client.get("/api/v1/orders", params, headers=headers)  # warm up
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get("/api/v1/orders", params, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    return timings


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    stale = analyze_tables()
    if stale:
        print(f"analyzed first (autovacuum would have): {', '.join(stale)}")
    partner_id, count = busiest_partner()
    total = Order.objects.count()
    partner = Partner.objects.get(pk=partner_id)
    _, raw_key = api_key_create(partner=partner, name="bench", actor=Actor.system("bench"))
    headers = {"Authorization": f"Bearer {raw_key}"}
    client = Client(HTTP_HOST="localhost")
    print(f"{total:,} orders in the table; partner {partner_id} has {count:,}; {RUNS} runs each")
    print(f"yardstick (machine speed, docs/benchmarks.md): {yardstick_ms():.0f} ms\n")
    print(f"{'scenario':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, params in scenarios(partner_id).items():
        timings = sorted(measure(client, headers, params))
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{name:42} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f}")


if __name__ == "__main__":
    main()
