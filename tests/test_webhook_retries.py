"""Delivery outcomes against a local receiver: a failure is retried on the schedule (shrunk
here) with the same webhook-id, Retry-After of a 429 is honoured, 410 disables the endpoint."""

import json

import pytest

from tests import factories
from tests.webhook_support import deliver_until_settled
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import retry_delay

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def short_schedule(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0.05, 0.05, 0.05]


def _endpoint(api, receiver, *types) -> str:
    body = {"url": receiver.url, "eventTypes": list(types) or ["order.created"]}
    response = api.post("/webhook-endpoints", body)
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_the_schedule_has_jitter_and_ends(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 300]
    # then each wait is the schedule's within ±10 %, and after the last there is none
    assert all(4.5 <= retry_delay(1).total_seconds() <= 5.5 for _ in range(20))
    assert 270 <= retry_delay(2).total_seconds() <= 330
    assert retry_delay(3) is None


def test_a_failing_receiver_gets_the_same_event_again_until_it_succeeds(api, receiver):
    # given a receiver that fails twice (500, then a timeout-free 502) and then takes it
    _endpoint(api, receiver)
    receiver.answer(500, 502, 200)
    # when an order is created
    api.create_order(factories.product())
    deliver_until_settled()
    # then three attempts reached it, with one webhook-id, and the delivery succeeded
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 3)
    codes = list(WebhookAttempt.objects.order_by("attempted_at").values_list("status_code", flat=True))
    assert codes == [500, 502, 200]


def test_retries_run_out_and_the_delivery_fails(api, receiver):
    _endpoint(api, receiver)
    receiver.answer(500)
    api.create_order(factories.product())
    deliver_until_settled()
    # then one attempt plus one per step of the schedule, then FAILED
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, len(receiver.received)) == (DeliveryState.FAILED, 4, 4)


def test_retry_after_of_a_429_is_honoured(api, receiver):
    # given a receiver that says 429 with Retry-After: 1, then takes the event
    _endpoint(api, receiver)
    receiver.answer((429, {"Retry-After": "1"}), 200)
    api.create_order(factories.product())
    deliver_until_settled()
    # then the second attempt came at least a second after the first (not after the 0.05 s schedule)
    first, second = receiver.received
    assert second.at - first.at >= 0.95
    assert WebhookAttempt.objects.order_by("attempted_at").first().status_code == 429


def test_410_disables_the_endpoint(api, receiver):
    endpoint_id = _endpoint(api, receiver)
    receiver.answer(410)
    api.create_order(factories.product())
    deliver_until_settled()
    # then one attempt only, the endpoint disabled with the reason, and nothing more is sent
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert (len(receiver.received), endpoint.enabled) == (1, False)
    assert "410" in endpoint.disabled_reason
    api.create_order(factories.product())
    deliver_until_settled()
    assert len(receiver.received) == 1
    shown = api.get(f"/webhook-endpoints/{endpoint_id}").json()
    assert (shown["enabled"], json.dumps(shown["disabledReason"])) == (
        False,
        json.dumps(endpoint.disabled_reason),
    )
