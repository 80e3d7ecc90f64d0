"""The feed shows an event only once WEBHOOK_FEED_SETTLE has passed since its id was taken, so a
transaction that commits late never puts an event behind a cursor the partner already passed."""

from datetime import timedelta

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_an_event_shows_once_settled(api, settings):
    # given a settle time of an hour, and an order created now
    settings.WEBHOOK_FEED_SETTLE = timedelta(hours=1)
    factories.order(owner=api.partner, product_obj=factories.product())
    # then the feed does not show its event yet
    assert api.get("/events", {"type": "order.created"}).json()["items"] == []
    # when the settle time is over
    settings.WEBHOOK_FEED_SETTLE = timedelta(0)
    # then it does
    assert len(api.get("/events", {"type": "order.created"}).json()["items"]) == 1
