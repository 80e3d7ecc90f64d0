"""Every time the partner API writes ends in Z (UTC), also the ones Tessera writes into JSON itself:
offer snapshots and audit payloads, never ``+00:00`` beside ``Z`` elsewhere."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_an_offer_snapshot_writes_its_times_with_z(api):
    product = factories.product()
    product.starts_at = datetime(2026, 12, 24, 18, 30, tzinfo=UTC)
    product.save()

    offer = api.quote(product)

    assert offer["snapshot"]["itinerary"]["startsAt"] == "2026-12-24T18:30:00Z"
    assert UTC_Z.match(offer["snapshot"]["quotedAt"]), offer["snapshot"]
    assert UTC_Z.match(api.get(f"/orders/{api.create_order(product)['id']}").json()["offers"][0]["quotedAt"])


def test_an_audit_payload_writes_its_times_with_z(api):
    order = api.create_order(factories.product())
    new_expiry = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)

    changed = api.patch(f"/orders/{order['id']}", {"expiresAt": new_expiry.isoformat()})
    events = api.get(f"/orders/{order['id']}/events").json()["items"]

    assert changed.status_code == 200, changed.json()
    payload = next(event["payload"] for event in events if "to" in event["payload"])
    assert UTC_Z.match(payload["from"]) and UTC_Z.match(payload["to"]), payload
