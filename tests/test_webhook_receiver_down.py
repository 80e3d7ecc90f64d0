"""A receiver down for the whole retry schedule: every delivery fails, the endpoint is disabled
once it has failed for WEBHOOK_DISABLE_AFTER, the staff dashboard lists it, and nothing is lost:
the feed holds every event, and redeliver sends them all once the receiver is back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.webhook_support import deliver_until_settled
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import endpoint_disable_for
from webhooks.services.endpoints import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_receiver_down_throughout_ends_disabled_and_loses_nothing(api, receiver, settings):
    # given a shrunk schedule, an endpoint disabled after 0.2 s of failures, and a receiver that is down
    settings.WEBHOOK_RETRY_SCHEDULE = [0.05, 0.1, 0.1, 0.1]
    settings.WEBHOOK_DISABLE_AFTER = timedelta(seconds=0.2)
    created = api.post("/webhook-endpoints", {"url": receiver.url}).json()
    receiver.answer(503)
    # when orders are created meanwhile
    orders = [api.create_order(factories.product()) for _ in range(3)]
    deliver_until_settled()
    # then the endpoint is disabled, saying why, and no delivery is left pending
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert not endpoint.enabled and "failed" in endpoint.disabled_reason
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.FAILED}
    # and the feed still holds every order's events
    feed = api.get("/events", {"type": "order.created"}).json()["items"]
    assert {item["data"]["orderId"] for item in feed} == {order["id"] for order in orders}

    # when the receiver is back, the partner enables the endpoint and asks for the missed events
    receiver.answer(200)
    assert api.post(f"/webhook-endpoints/{created['id']}/enable").status_code == 200
    redelivered = api.post(f"/webhook-endpoints/{created['id']}/redeliver", {"since": "2000-01-01T00:00:00Z"})
    assert redelivered.status_code == 202, redelivered.json()
    before = len(receiver.received)
    deliver_until_settled()
    # then every event of the feed reached it
    got = {r.headers["webhook-id"] for r in receiver.received[before:]}
    assert got == {item["id"] for item in api.get("/events").json()["items"]}


def test_the_staff_dashboard_shows_a_disabled_endpoint(admin_client, db):

    partner = factories.partner(wallet="10.00")
    endpoint, _ = endpoint_create(partner_id=partner.pk, url="https://hooks.example/x", event_types=[])
    endpoint_disable_for(endpoint.pk, reason="Every delivery failed for 72 hours.", now=timezone.now())
    # when staff open the admin's home page
    page = admin_client.get("/admin/")
    # then it lists the endpoint
    assert "hooks.example/x" in page.content.decode()
