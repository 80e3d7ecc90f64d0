"""A worker started while the database is down begins its housekeeping (schedule, heartbeat)
once the database answers, instead of losing its housekeeper for good."""

from unittest import mock

import pytest
from django.db import OperationalError

from tessera.background import schedule
from tessera.background.housekeeping import Housekeeper
from tessera.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_round_failing_on_the_database_does_not_stop_later_rounds():
    # Given a housekeeper whose first round finds the database unreachable
    housekeeper = Housekeeper("w-outage")
    real_ensure = schedule.ensure_schedule
    calls = {"n": 0}

    def database_down_once():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("connection refused")
        return real_ensure()

    with mock.patch.object(schedule, "ensure_schedule", side_effect=database_down_once):
        # When it runs a round during the outage and one after it
        housekeeper.tick()
        assert not WorkerHeartbeat.objects.filter(worker_id="w-outage").exists()
        housekeeper.tick()

    # Then the schedule was written and the worker beats
    assert housekeeper.scheduled
    assert WorkerHeartbeat.objects.filter(worker_id="w-outage").exists()
