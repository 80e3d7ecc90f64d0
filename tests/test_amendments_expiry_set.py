"""A partner chooses when a draft expires (seed 002's expireAt): on opening it, and later with PATCH;
never in the past, at most six months ahead; the sweep discards it then, not 20 minutes after."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import OrderEvent, OrderVersion
from orders.services import amendments
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(api, worker) -> dict:
    order = api.create_order(factories.product(price="25.00"), 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    return api.get(f"/orders/{order['id']}").json()


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_draft_opened_with_expires_at_lives_until_then_and_patch_moves_it(api, delivered):
    order_id, line = delivered["id"], delivered["lines"][0]
    in_two_hours = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)

    # When the draft is opened with expiresAt two hours ahead
    opened = api.post(
        f"/orders/{order_id}/amendments", {"remove": [line["id"]], "expiresAt": iso(in_two_hours)}
    )

    # Then it keeps that expiry, and the sweep leaves it alone past the default 20 minutes
    assert opened.status_code == 202, opened.json()
    assert opened.json()["amendment"]["expiresAt"] == iso(in_two_hours)
    assert amendments.amendments_expire_due() == 0

    # When the partner moves it to one minute from now
    in_a_minute = (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)
    moved = api.patch(f"/orders/{order_id}/amendments/2", {"expiresAt": iso(in_a_minute)})

    # Then the draft expires then, audited with both times
    assert moved.status_code == 200, moved.json()
    assert moved.json()["amendment"]["expiresAt"] == iso(in_a_minute)
    event = OrderEvent.objects.get(order_id=order_id, transition="amendment.expiry_changed")
    assert (event.payload["from"], event.payload["to"]) == (iso(in_two_hours), iso(in_a_minute))
    OrderVersion.objects.filter(order_id=order_id, number=2).update(expires_at=timezone.now())
    assert amendments.amendments_expire_due() == 1
    assert api.get(f"/orders/{order_id}").json()["amendment"] is None


@pytest.mark.parametrize(
    "expires_at",
    [
        pytest.param(lambda now: iso(now - timedelta(minutes=1)), id="in the past"),
        pytest.param(lambda now: iso(now + timedelta(days=200)), id="beyond six months"),
        pytest.param(
            lambda now: (now + timedelta(hours=1)).replace(tzinfo=None).isoformat(), id="no time zone"
        ),
    ],
)
def test_an_expiry_out_of_bounds_is_refused_and_nothing_opens(api, delivered, expires_at):
    order_id, line = delivered["id"], delivered["lines"][0]
    when = expires_at(timezone.now())

    # When a draft is opened with it
    opened = api.post(f"/orders/{order_id}/amendments", {"remove": [line["id"]], "expiresAt": when})

    # Then 400 INVALID_EXPIRY and no draft
    assert (opened.status_code, opened.json()["errorCode"]) == (400, "INVALID_EXPIRY")
    assert not OrderVersion.objects.filter(order_id=order_id).exists()

    # And a draft opened by default refuses it as its new expiry too, keeping the old one
    assert api.post(f"/orders/{order_id}/amendments", {"remove": [line["id"]]}).status_code == 202
    before = OrderVersion.objects.get(order_id=order_id).expires_at
    moved = api.patch(f"/orders/{order_id}/amendments/2", {"expiresAt": when})
    assert (moved.status_code, moved.json()["errorCode"]) == (400, "INVALID_EXPIRY")
    assert OrderVersion.objects.get(order_id=order_id).expires_at == before


def test_patching_a_draft_that_is_not_open_is_amendment_not_open(api, delivered):
    in_an_hour = iso(timezone.now() + timedelta(hours=1))
    answer = api.patch(f"/orders/{delivered['id']}/amendments/2", {"expiresAt": in_an_hour})
    assert (answer.status_code, answer.json()["errorCode"]) == (409, "AMENDMENT_NOT_OPEN")
