"""Figures that live in the database, read when Prometheus scrapes: the task queue, orders by
status, money taken and given back per currency, supplier breakers.

They are the same whichever process or machine is scraped, so they count workers on every
machine; one set of queries serves all scrapes for METRICS_DB_CACHE_SECONDS.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ops import suppliers_state
from ops.health import oldest_ready_task_age
from orders.models import Order
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tessera.models import WorkerHeartbeat

CACHE_KEY = "ops:database-figures"
COLLECTED = [PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED]


def read_figures() -> dict:
    tasks = (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values_list("task_path", "status")
        .annotate(n=Count("id"))
    )
    age = oldest_ready_task_age()
    live_since = timezone.now().timestamp() - settings.HEALTH_WORKER_MAX_SILENCE_SECONDS
    return {
        "tasks": [(path, status, n) for path, status, n in tasks],
        "oldest_ready_seconds": age.total_seconds() if age else 0.0,
        "workers": sum(
            1
            for seen in WorkerHeartbeat.objects.values_list("last_seen_at", flat=True)
            if seen.timestamp() >= live_since
        ),
        "orders": list(Order.objects.order_by().values_list("status").annotate(n=Count("id"))),
        "collected": [
            (currency, method, str(total))
            for currency, method, total in Payment.objects.filter(status__in=COLLECTED)
            .order_by()
            .values_list("currency", "method")
            .annotate(total=Sum("amount"))
        ],
        "refunded": [
            (currency, str(total))
            for currency, total in Refund.objects.filter(status=RefundStatus.SUCCEEDED)
            .order_by()
            .values_list("currency")
            .annotate(total=Sum("amount"))
        ],
        "breakers": suppliers_state.breaker_states(),
    }


class DatabaseFigures:
    def collect(self):
        figures = cache.get(CACHE_KEY)
        if figures is None:
            figures = read_figures()
            cache.set(CACHE_KEY, figures, settings.METRICS_DB_CACHE_SECONDS)

        tasks = GaugeMetricFamily(
            "tessera_tasks",
            "Tasks in the queue now, by task name and status (READY or RUNNING)",
            labels=["task", "status"],
        )
        for path, status, n in figures["tasks"]:
            tasks.add_metric([path, status], n)
        yield tasks
        yield GaugeMetricFamily(
            "tessera_task_queue_oldest_ready_seconds",
            "How long the task that has waited longest to run has been ready (0: none waits)",
            value=figures["oldest_ready_seconds"],
        )
        yield GaugeMetricFamily(
            "tessera_workers_alive",
            "Task workers that beat a heartbeat recently, on every machine",
            value=figures["workers"],
        )

        orders = GaugeMetricFamily("tessera_orders", "Orders by status", labels=["status"])
        for status, n in figures["orders"]:
            orders.add_metric([status], n)
        yield orders

        collected = CounterMetricFamily(
            "tessera_money_collected",
            "Money taken from customers and partners (payments that were paid), by currency and method",
            labels=["currency", "method"],
        )
        for currency, method, total in figures["collected"]:
            collected.add_metric([currency, method], float(total))
        yield collected
        refunded = CounterMetricFamily(
            "tessera_money_refunded",
            "Money given back by refunds that succeeded, by currency",
            labels=["currency"],
        )
        for currency, total in figures["refunded"]:
            refunded.add_metric([currency], float(total))
        yield refunded

        breakers = GaugeMetricFamily(
            "tessera_supplier_breaker_open",
            "1 while a supplier's circuit breaker is open, else 0",
            labels=["supplier"],
        )
        for supplier, state in figures["breakers"].items():
            breakers.add_metric([supplier], 1.0 if state == suppliers_state.OPEN else 0.0)
        yield breakers
