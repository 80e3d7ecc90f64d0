"""Prometheus metrics that any process records: HTTP requests here, tasks and supplier calls
through the helpers below. Served at /metrics by the ops app.

With several processes (gunicorn workers, task workers), set PROMETHEUS_MULTIPROC_DIR to one
directory per machine, empty when the machine starts, shared by every Tessera process on it:
prometheus_client then writes each process's samples there and /metrics adds them up. Figures
that live in the database (the queue, orders, money) are read at scrape time instead (ops).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import Counter, Histogram

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "tessera_http_requests_total",
    "HTTP requests answered, by route, method and status class",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "tessera_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
TASKS_FINISHED = Counter(
    "tessera_tasks_finished_total",
    "Tasks a worker ran to the end, by task name and outcome (successful or failed)",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "tessera_task_duration_seconds",
    "Time a worker spent running a task, by task name",
    ["task"],
    buckets=LATENCY_BUCKETS,
)
SUPPLIER_CALLS = Counter(
    "tessera_supplier_calls_total",
    "Calls to a supplier's adapter, by supplier, operation and outcome (ok or the error's class)",
    ["supplier", "operation", "outcome"],
)
SUPPLIER_LATENCY = Histogram(
    "tessera_supplier_call_duration_seconds",
    "Time a supplier took to answer, by supplier and operation",
    ["supplier", "operation"],
    buckets=LATENCY_BUCKETS,
)

WEBHOOK_DELIVERIES = Counter(
    "tessera_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (succeeded, retrying, failed, endpoint_gone)",
    ["outcome"],
)


def route_of(request) -> str:
    """The URL pattern that answered (``api:order``), never the path itself, so ids do not
    become labels; "unmatched" for a 404 no pattern took."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
        return response


@dataclass
class SupplierCall:
    """The call being counted: its caller may set ``outcome`` when the supplier answered with an
    error instead of raising one (a booking whose every line failed)."""

    outcome: str = "ok"


@contextmanager
def supplier_call(supplier: str, operation: str) -> Iterator[SupplierCall]:
    """Count and time one call to a supplier; an error is counted by its class and re-raised."""
    started = time.perf_counter()
    call = SupplierCall()
    try:
        yield call
    except Exception as exc:
        call.outcome = type(exc).__name__
        raise
    finally:
        SUPPLIER_LATENCY.labels(supplier, operation).observe(time.perf_counter() - started)
        SUPPLIER_CALLS.labels(supplier, operation, call.outcome).inc()
