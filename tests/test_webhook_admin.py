"""The back office's webhook pages: an endpoint's page never shows its secret, deliveries list
with their attempts, and the redeliver action queues one again."""

import pytest

from tests import factories
from tests.webhook_support import deliver_until_settled
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_and_the_redeliver_action(admin_client, api, receiver):
    created = api.post("/webhook-endpoints", {"url": receiver.url, "eventTypes": ["order.created"]}).json()
    receiver.answer(410)
    api.create_order(factories.product())
    deliver_until_settled()
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    delivery = WebhookDelivery.objects.get()
    # the endpoint's page shows it disabled, never its secret
    page = admin_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert "410" in page and created["secret"] not in page and "secret_sealed" not in page
    # the deliveries list and a delivery's page with its attempt
    assert admin_client.get("/admin/webhooks/webhookdelivery/?state__exact=FAILED").status_code == 200
    assert (
        "410" in admin_client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/").content.decode()
    )
    # enabling from the admin, then redelivering the failed delivery, sends it again
    receiver.answer(200)
    admin_client.post(
        "/admin/webhooks/webhookendpoint/", {"action": "enable", "_selected_action": [str(endpoint.pk)]}
    )
    admin_client.post(
        "/admin/webhooks/webhookdelivery/", {"action": "redeliver", "_selected_action": [str(delivery.pk)]}
    )
    deliver_until_settled()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and len(receiver.received) == 2
