"""One partner never sees or touches another's endpoints, deliveries or events: every such
request is the same 404 as for an id that never existed, and the feed holds only one's own."""

import uuid

import pytest

from tests import factories
from tests.webhook_support import deliver_until_settled
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owned(api, receiver):
    """Partner A's endpoint with one delivered event."""
    endpoint = api.post("/webhook-endpoints", {"url": receiver.url}).json()
    api.create_order(factories.product())
    deliver_until_settled()
    delivery = WebhookDelivery.objects.filter(endpoint_id=endpoint["id"]).first()
    return endpoint["id"], delivery.pk


def test_another_partners_endpoint_and_deliveries_are_not_found(api, other_api, owned):
    endpoint_id, delivery_id = owned
    base = f"/webhook-endpoints/{endpoint_id}"
    # when partner B reads, changes or acts on A's endpoint and delivery
    answers = [
        other_api.get(base),
        other_api.patch(base, {"description": "mine now"}),
        other_api.get(f"{base}/deliveries"),
        other_api.post(f"{base}/deliveries/{delivery_id}/redeliver"),
        other_api.post(f"{base}/redeliver", {"since": "2000-01-01T00:00:00Z"}),
        other_api.post(f"{base}/rotate-secret"),
        other_api.post(f"{base}/test"),
        other_api.post(f"{base}/disable"),
        other_api.write("delete", base),
    ]
    # then each is 404 WEBHOOK_ENDPOINT_NOT_FOUND, as for an endpoint that never existed
    nowhere = other_api.get(f"/webhook-endpoints/{uuid.uuid4()}")
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert {a.json()["errorCode"] for a in answers} == {nowhere.json()["errorCode"]}
    # and B's list is empty while A's endpoint is unchanged
    assert other_api.get("/webhook-endpoints").json()["items"] == []
    mine = api.get(base).json()
    assert (mine["enabled"], mine["description"]) == (True, "")


def test_a_delivery_of_another_endpoint_is_not_found_under_mine(api, other_api, owned, receiver):
    _, delivery_id = owned
    # given B's own endpoint
    own = other_api.post("/webhook-endpoints", {"url": receiver.url}).json()
    # when B names A's delivery under it
    answer = other_api.post(f"/webhook-endpoints/{own['id']}/deliveries/{delivery_id}/redeliver")
    # then it is not found
    assert (answer.status_code, answer.json()["errorCode"]) == (404, "WEBHOOK_DELIVERY_NOT_FOUND")


def test_the_feed_holds_only_the_partners_own_events(api, other_api, owned):
    # given A's events and one order of B's
    other_api.create_order(factories.product())
    mine = api.get("/events").json()["items"]
    theirs = other_api.get("/events").json()["items"]
    # then neither feed holds the other's events
    assert mine and theirs
    assert not {e["id"] for e in mine} & {e["id"] for e in theirs}
    assert all(
        e["data"]["orderId"] != mine[0]["data"].get("orderId") for e in theirs if "orderId" in e["data"]
    )
    # and A's event id as B's cursor is a 404, like one that never existed
    foreign = other_api.get("/events", {"after": mine[0]["id"]})
    missing = other_api.get("/events", {"after": f"evt_{uuid.uuid4().hex}"})
    assert (foreign.status_code, foreign.json()["errorCode"]) == (404, missing.json()["errorCode"])
    assert WebhookEvent.objects.filter(partner=other_api.partner).count() == len(theirs)
