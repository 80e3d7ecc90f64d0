"""/metrics counts webhook attempts by outcome and reads each endpoint's backlog at scrape time."""

import pytest
from django.core.cache import cache

from tests import factories
from tests.test_metrics import TOKEN, scrape, value
from tests.webhook_support import deliver_until_settled
from webhooks.models import DeliveryState, WebhookDelivery
from webhooks.services.dispatch import events_dispatch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    cache.clear()


def test_attempts_by_outcome_and_the_backlog_per_endpoint(client, api, receiver):
    endpoint = api.post("/webhook-endpoints", {"url": receiver.url, "eventTypes": ["order.created"]}).json()
    before = scrape(client)
    # when one event is delivered
    api.create_order(factories.product())
    deliver_until_settled()
    # then it is counted as succeeded
    after = scrape(client)
    succeeded = value(after, "tessera_webhook_deliveries_total", outcome="succeeded")
    assert succeeded - value(before, "tessera_webhook_deliveries_total", outcome="succeeded") == 1
    # when two more wait (dispatched, not yet delivered)
    for _ in range(2):
        factories.order(owner=api.partner, product_obj=factories.product())
    events_dispatch()
    # then the scrape shows the endpoint's backlog of two
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count() == 2
    assert value(scrape(client), "tessera_webhook_backlog", endpoint=endpoint["id"]) == 2
