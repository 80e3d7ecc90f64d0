"""Webhooks are signed as Standard Webhooks says: the library's own Webhook.verify accepts them
with the secret shown at creation; the secret is shown once; a rotation signs with both secrets
for the grace period, and with the new one only after it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from orders.models import IdempotencyRecord
from tests import factories
from tests.webhook_support import deliver_until_settled
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def _create(api, url: str) -> dict:
    response = api.post("/webhook-endpoints", {"url": url, "description": "tests"})
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_webhook_verifies_with_the_secret_shown_at_creation(api, receiver):
    # given an endpoint, its secret taken from the creation's answer
    created = _create(api, receiver.url)
    secret = created["secret"]
    assert secret.startswith("whsec_")
    # when an order is created and the worker delivers
    api.create_order(factories.product())
    deliver_until_settled()
    # then the receiver got order.created, and the library's verifier accepts it
    [first] = [r for r in receiver.received if b'"order.created"' in r.body]
    event = Webhook(secret).verify(first.body, first.headers)
    assert event["type"] == "order.created"
    assert first.headers["webhook-id"] == event["id"]
    # and a tampered body does not verify
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(first.body.replace(b"order.created", b"order.canceled"), first.headers)


def test_the_secret_is_shown_once(api, receiver):
    created = _create(api, receiver.url)
    # when the endpoint is read, alone or in the list
    one = api.get(f"/webhook-endpoints/{created['id']}").json()
    listed = api.get("/webhook-endpoints").json()["items"]
    # then no answer holds the secret again, and the database holds it only sealed
    assert "secret" not in one and all("secret" not in item for item in listed)
    sealed = bytes(WebhookEndpoint.objects.get(pk=created["id"]).secret_sealed)
    assert created["secret"].encode() not in sealed


def test_a_rotation_signs_with_both_secrets_until_the_grace_ends(api, receiver):
    # given an endpoint whose secret was rotated
    created = _create(api, receiver.url)
    old = created["secret"]
    rotated = api.post(f"/webhook-endpoints/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.json()
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["previousSecretExpiresAt"]
    # when an event is delivered during the grace period
    api.create_order(factories.product())
    deliver_until_settled()
    during = receiver.received[-1]
    # then it carries two signatures, and each secret verifies it
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(during.body, during.headers)
    Webhook(new).verify(during.body, during.headers)
    # when the grace has ended
    WebhookEndpoint.objects.filter(pk=created["id"]).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    api.create_order(factories.product())
    deliver_until_settled()
    after = receiver.received[-1]
    # then only the new secret signs
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_a_repeated_create_makes_nothing_new_and_answers_without_the_secret(api, receiver):
    # given an endpoint created with an Idempotency-Key
    body = {"url": receiver.url}
    first = api.post("/webhook-endpoints", body, key="create-hooks-1")
    # when the same request comes again with the same key
    again = api.post("/webhook-endpoints", body, key="create-hooks-1")
    # then it is the same endpoint, replayed without its secret (never stored outside the endpoint)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json()["id"] == first.json()["id"] and "secret" not in again.json()
    assert WebhookEndpoint.objects.count() == 1
    stored = list(IdempotencyRecord.objects.values_list("response_body", flat=True))
    assert first.json()["secret"] not in str(stored)
