"""The outbox: a WebhookEvent for every partner-visible event, written in the transaction of its
change, and the dispatcher started once that transaction commits.

Orders sends ``events_written`` once its audit events are in the database (one alone, or a whole
``batched()`` block's after its one INSERT); the receiver here writes their outbox rows in one
INSERT too. The partner is taken by a subquery inside that INSERT, so an order's events cost no
read. Payments announces the two events that belong to no order (an invoice closed, a wallet
topped up). A rolled-back change takes its events and their outbox rows with it.
"""

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from tessera.background.enqueue import enqueue_after_commit
from tessera.money import format_amount
from webhooks.catalog import order_event_data, public_name
from webhooks.models import WebhookEvent

DISPATCH_TASK = "webhooks.tasks.dispatch_events"


def on_events_written(sender, events, **kwargs) -> None:
    rows = [row for event in events if (row := _order_event_row(event)) is not None]
    if rows:
        WebhookEvent.objects.bulk_create(rows)
        dispatch_after_commit()


def _order_event_row(event) -> WebhookEvent | None:
    name = public_name(event.transition)
    if name is None:
        return None
    return WebhookEvent(
        partner_id=Subquery(Order.objects.filter(pk=event.order_id).values("partner_id")[:1]),
        order_id=event.order_id,
        type=name,
        api_version=settings.WEBHOOK_API_VERSION,
        data=order_event_data(event),
        created_at=event.created_at or timezone.now(),
    )


def on_invoice_closed(sender, invoice, **kwargs) -> None:
    data = {
        "object": "invoice",
        "id": str(invoice.pk),
        "number": invoice.number,
        "status": invoice.status,
        "currency": invoice.currency,
        "totalAmount": format_amount(invoice.total_amount, invoice.currency),
        "url": reverse("api:invoice", args=[invoice.pk]),
    }
    _write(partner_id=invoice.partner_id, public_type="invoice.closed", data=data)


def on_wallet_topped_up(sender, entry, wallet, **kwargs) -> None:
    data = {
        "object": "wallet",
        "id": wallet.currency,
        "currency": wallet.currency,
        "amount": format_amount(entry.amount, wallet.currency),
        "balance": format_amount(wallet.balance, wallet.currency),
        "url": reverse("api:wallets"),
    }
    _write(partner_id=wallet.partner_id, public_type="wallet.topped_up", data=data)


def _write(*, partner_id: int, public_type: str, data: dict) -> None:
    WebhookEvent.objects.create(
        partner_id=partner_id,
        type=public_type,
        api_version=settings.WEBHOOK_API_VERSION,
        data=data,
        created_at=timezone.now(),
    )
    dispatch_after_commit()


class _DispatchSchedule:
    """At most one dispatcher run queued per process per WEBHOOK_DISPATCH_DELAY: a run due at T
    delivers every event committed before T, so a commit before T need not queue another. That
    keeps a busy process at a few dispatcher runs a second, whatever its commit rate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due = 0.0

    def after_commit(self) -> None:
        delay = settings.WEBHOOK_DISPATCH_DELAY.total_seconds()
        now = time.monotonic()
        with self._lock:
            if now < self._due:
                return
            self._due = now + delay
        enqueue_after_commit(DISPATCH_TASK, [{}], delay=timedelta(seconds=delay))


_schedule = _DispatchSchedule()


def dispatch_after_commit() -> None:
    transaction.on_commit(_schedule.after_commit)
