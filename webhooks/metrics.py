"""Webhooks' figures read from the database at scrape time (ops registers the collector): the
deliveries waiting per endpoint. Attempts by outcome are counted as they happen
(tessera.metrics.WEBHOOK_DELIVERIES)."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from webhooks.models import DeliveryState, WebhookDelivery


class WebhookBacklog:
    def collect(self):
        backlog = GaugeMetricFamily(
            "tessera_webhook_backlog",
            "Webhook deliveries PENDING (due now or waiting for a retry), by endpoint id",
            labels=["endpoint"],
        )
        pending = (
            WebhookDelivery.objects.filter(state=DeliveryState.PENDING)
            .values("endpoint_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in pending:
            backlog.add_metric([str(row["endpoint_id"])], row["n"])
        yield backlog
