from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Partners' webhooks and event feed. Above orders and payments: it listens to their
    announcements (orders.signals.events_written, payments.signals) and writes its outbox in the
    same transaction."""

    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ops.metrics_registry import register_collector
        from orders.signals import events_written
        from payments.signals import invoice_closed, wallet_topped_up
        from tessera.catalog_docs import register_table
        from webhooks import docs, metrics, outbox

        events_written.connect(outbox.on_events_written, dispatch_uid="webhooks-outbox")
        invoice_closed.connect(outbox.on_invoice_closed, dispatch_uid="webhooks-invoice-closed")
        wallet_topped_up.connect(outbox.on_wallet_topped_up, dispatch_uid="webhooks-wallet-topped-up")
        register_table("webhook-events", docs.webhook_event_table)
        register_collector(metrics.WebhookBacklog())
