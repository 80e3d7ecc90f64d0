"""Managing webhook endpoints through the API: change, disable and enable, a test ping that the
receiver can verify, delete (the events stay in the feed), and clear refusals."""

import json

import pytest
from standardwebhooks.webhooks import Webhook

from tests import factories
from tests.webhook_support import deliver_until_settled
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def _create(api, receiver, **body) -> dict:
    response = api.post("/webhook-endpoints", {"url": receiver.url, **body})
    assert response.status_code == 201, response.json()
    assert response["Location"].endswith(response.json()["id"])
    return response.json()


def test_an_endpoint_is_changed_disabled_and_enabled(api, receiver):
    created = _create(api, receiver, description="first")
    base = f"/webhook-endpoints/{created['id']}"
    # when its event types and description change
    changed = api.patch(base, {"eventTypes": ["order.fulfilled", "order.created"], "description": "second"})
    # then it shows them (types sorted)
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["eventTypes"], changed.json()["description"]) == (
        ["order.created", "order.fulfilled"],
        "second",
    )
    # when it is disabled, an order made meanwhile is not sent to it
    assert api.post(f"{base}/disable").json()["enabled"] is False
    api.create_order(factories.product())
    deliver_until_settled()
    assert receiver.received == []
    # when it is enabled again, the next order is
    enabled = api.post(f"{base}/enable").json()
    assert (enabled["enabled"], enabled["disabledReason"]) == (True, "")
    api.create_order(factories.product())
    deliver_until_settled()
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["order.created"]


def test_an_empty_change_and_an_unknown_type_are_refused(api, receiver):
    created = _create(api, receiver)
    base = f"/webhook-endpoints/{created['id']}"
    empty = api.patch(base, {})
    unknown = api.patch(base, {"eventTypes": ["order.teleported"]})
    assert empty.status_code == 400
    assert unknown.status_code == 400 and "eventTypes" in unknown.json()["errors"]


def test_a_test_ping_is_signed_and_reported(api, receiver):
    created = _create(api, receiver)
    receiver.answer(204)
    # when the partner asks for a test
    answer = api.post(f"/webhook-endpoints/{created['id']}/test")
    # then the receiver got a ping it can verify, and the answer says what it answered
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["statusCode"], answer.json()["succeeded"]) == (204, True)
    [ping] = receiver.received
    assert Webhook(created["secret"]).verify(ping.body, ping.headers)["type"] == "ping"
    # and the ping is in no feed
    assert all(item["type"] != "ping" for item in api.get("/events").json()["items"])


def test_deleting_an_endpoint_keeps_the_feed(api, receiver):
    created = _create(api, receiver)
    api.create_order(factories.product())
    deliver_until_settled()
    before = api.get("/events").json()["items"]
    # when the endpoint is deleted
    deleted = api.write("delete", f"/webhook-endpoints/{created['id']}")
    # then it and its deliveries are gone, the events are not
    assert deleted.status_code == 204
    assert api.get(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert not WebhookDelivery.objects.exists()
    assert api.get("/events").json()["items"] == before


def test_deliveries_list_their_attempts_and_one_is_redelivered(api, receiver):
    created = _create(api, receiver, eventTypes=["order.created"])
    receiver.answer(500, 200)
    api.create_order(factories.product())
    deliver_until_settled()
    base = f"/webhook-endpoints/{created['id']}"
    # when the partner lists the deliveries
    [delivery] = api.get(f"{base}/deliveries", {"status": "SUCCEEDED"}).json()["items"]
    # then each attempt is there with its status code and duration
    assert [a["statusCode"] for a in delivery["attemptList"]] == [500, 200]
    assert delivery["attemptList"][0]["nextRetryAt"] and delivery["attemptList"][0]["durationMs"] >= 0
    assert api.get(f"{base}/deliveries", {"status": "FAILED"}).json()["items"] == []
    # when it asks for that delivery again
    again = api.post(f"{base}/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 202, again.json()
    deliver_until_settled()
    # then the same event (same webhook-id) arrived once more
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 3 and len(set(ids)) == 1
