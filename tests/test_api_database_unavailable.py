"""When the database is out of reach (restart, failover, a dropped connection) the API answers 503
SERVICE_UNAVAILABLE, retryable, with Retry-After, and the same request with the same key succeeds
once the database is back. The load suite restarts a real PostgreSQL under traffic
(tests/load/test_database_restart.py); these pin the answer itself."""

import uuid

import pytest
from django.db import InterfaceError, OperationalError

from orders.models import IdempotencyRecord, Order
from orders.services import creation
from partner_api import selectors as order_selectors
from tests import factories
from tests.api_support import travellers_json
from tests.test_api_errors_and_headers import assert_problem

pytestmark = pytest.mark.django_db

HIDDEN = "could not connect to server at 10.0.0.7 port 5432 user tessera_prod"


def unreachable(*args, **kwargs):
    raise OperationalError(HIDDEN)


def connection_closed(*args, **kwargs):
    raise InterfaceError("connection already closed")


@pytest.mark.parametrize("failure", [unreachable, connection_closed], ids=["unreachable", "closed"])
def test_a_read_while_the_database_is_away_is_a_retryable_503_with_retry_after(api, monkeypatch, failure):
    monkeypatch.setattr(order_selectors, "order_for_partner", failure)

    response = api.get(f"/orders/{uuid.uuid4()}")

    body = assert_problem(response, 503, "SERVICE_UNAVAILABLE")
    assert body["retryable"] is True
    assert body["fault"] == "server"
    assert int(response["Retry-After"]) >= 1
    text = response.content.decode()
    for leak in ("10.0.0.7", "tessera_prod", "OperationalError", "Traceback"):
        assert leak not in text


def test_a_write_while_the_database_is_away_is_a_503_and_the_same_key_succeeds_after(api, monkeypatch):
    offer = api.quote(factories.product(), 1)
    order = {"offers": [offer["id"]], "travellers": travellers_json(1)}
    monkeypatch.setattr(creation, "order_create", unreachable)

    refused = api.post("/orders", order, key="db-restart-1")

    assert_problem(refused, 503, "SERVICE_UNAVAILABLE")
    assert not IdempotencyRecord.objects.filter(key="db-restart-1").exists(), "the key must be released"
    monkeypatch.undo()
    retried = api.post("/orders", order, key="db-restart-1")
    assert retried.status_code == 202, retried.content
    assert Order.objects.filter(idempotency_key="db-restart-1").count() == 1
