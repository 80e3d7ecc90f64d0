"""Webhooks under real concurrency on PostgreSQL: dispatchers at once make each delivery once;
delivery runs at once post each event once, never more at a time to one endpoint than its
bulkhead allows, and each order's events in order."""

import json
import threading
import time

import pytest

from orders.services.fulfilment import line_reserve
from tests import factories
from tests.threads import run_concurrently
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEvent
from webhooks.services.delivery import endpoint_deliver
from webhooks.services.dispatch import events_dispatch
from webhooks.services.endpoints import endpoint_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def no_errors(outcomes) -> list:
    assert [outcome.error for outcome in outcomes if outcome.error is not None] == []
    return [outcome.result for outcome in outcomes]


def _orders(partner, count: int) -> list:
    orders = [factories.order(owner=partner, product_obj=factories.product()) for _ in range(count)]
    for order in orders:
        line_reserve(line_id=order.lines.get().pk)
    return orders


def test_dispatchers_at_once_make_each_delivery_once(wallet_partner):
    # given two endpoints and twenty orders' events, none dispatched
    for n in range(2):
        endpoint_create(partner_id=wallet_partner.pk, url=f"https://hooks.example/{n}", event_types=[])
    _orders(wallet_partner, 20)
    WebhookEvent.objects.update(dispatched=False)
    WebhookDelivery.objects.all().delete()
    events = WebhookEvent.objects.filter(partner=wallet_partner).count()
    # when six dispatchers run at once, each taking small batches
    no_errors(run_concurrently(lambda _: events_dispatch(limit=7), range(24), threads=6))
    # then every event has exactly one delivery per endpoint
    assert WebhookDelivery.objects.count() == 2 * events
    assert not WebhookEvent.objects.filter(dispatched=False).exists()


def test_delivery_runs_at_once_post_each_event_once_within_the_bulkhead(wallet_partner, receiver, settings):
    # given a receiver that takes 50 ms per event and counts how many requests it holds at once
    settings.WEBHOOK_MAX_IN_FLIGHT = 2
    in_flight, peak, guard = [0], [0], threading.Lock()
    original = receiver.next_answer

    def slow_answer():
        with guard:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with guard:
            in_flight[0] -= 1
        return original()

    receiver.next_answer = slow_answer
    endpoint, _ = endpoint_create(
        partner_id=wallet_partner.pk, url=receiver.url, event_types=["order.created", "order.reserved"]
    )
    orders = _orders(wallet_partner, 10)
    events_dispatch()
    # when eight delivery runs for the endpoint start at once
    no_errors(run_concurrently(lambda _: endpoint_deliver(endpoint_id=endpoint.pk), range(8), threads=8))
    while WebhookDelivery.objects.filter(state=DeliveryState.PENDING).exists():
        endpoint_deliver(endpoint_id=endpoint.pk)
    # then each event arrived once, never more than two at a time, each order's in order
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 20
    assert peak[0] <= 2
    by_order: dict[str, list[str]] = {}
    for request in receiver.received:
        event = json.loads(request.body)
        by_order.setdefault(event["data"]["orderId"], []).append(event["type"])
    assert by_order == {str(order.pk): ["order.created", "order.reserved"] for order in orders}
