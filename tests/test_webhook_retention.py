"""Events are kept WEBHOOK_EVENT_RETENTION (30 days); the periodic purge deletes older ones with
their deliveries and leaves the rest."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests import factories
from webhooks.models import WebhookEvent
from webhooks.services.retention import events_purge

pytestmark = pytest.mark.django_db


def test_events_older_than_the_retention_are_purged():
    # given two orders' events, one order's dated 31 days back
    partner = factories.partner(wallet="10.00")
    old = factories.order(owner=partner, product_obj=factories.product())
    new = factories.order(owner=partner, product_obj=factories.product())
    WebhookEvent.objects.filter(order=old).update(created_at=timezone.now() - timedelta(days=31))
    # when the purge runs
    deleted = events_purge()
    # then the old events are gone and the new ones stay
    assert deleted == 1
    assert not WebhookEvent.objects.filter(order=old).exists()
    assert WebhookEvent.objects.filter(order=new).exists()


def test_the_purge_is_scheduled_and_keeps_thirty_days():
    assert "webhooks.tasks.purge_events" in settings.PERIODIC_TASKS
    assert settings.WEBHOOK_EVENT_RETENTION >= timedelta(days=30)
