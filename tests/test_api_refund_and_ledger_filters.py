"""An order's refunds and a wallet's ledger filter with the same op:value syntax as orders.

Given a delivered wallet order with one refund that went through and one the partner asked for
later, the refunds list keeps those of a status, reason, amount or time; the ledger keeps the
entries of an order or of a time.
"""

import pytest

from payments.models import LedgerEntry, Refund, RefundStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(api, worker) -> dict:
    """A FULFILLED order of two tickets of 50.00 and 30.00 worth of refunds: line 1 SUCCEEDED
    (goodwill), then line 2 REQUESTED (requested)."""
    product = factories.product(price="50.00")
    order = api.create_order(product, 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    assert api.post(f"/orders/{order['id']}/refunds", {"lines": [1], "reason": "goodwill"}).status_code == 202
    worker()
    assert (
        api.post(f"/orders/{order['id']}/refunds", {"lines": [2], "reason": "requested"}).status_code == 202
    )
    return order


def refunds(api, order: dict, **params) -> list[tuple[str, str]]:
    response = api.get(f"/orders/{order['id']}/refunds", params)
    assert response.status_code == 200, response.json()
    return [(item["status"], item["reason"]) for item in response.json()["items"]]


def test_the_refunds_of_a_status_reason_or_time(api, delivered):
    done, asked = ("SUCCEEDED", "goodwill"), ("REQUESTED", "requested")
    second = Refund.objects.get(order_id=delivered["id"], status=RefundStatus.REQUESTED).created_at
    at = second.isoformat().replace("+00:00", "Z")

    assert refunds(api, delivered) == [done, asked]
    assert refunds(api, delivered, status="SUCCEEDED") == [done]
    assert refunds(api, delivered, status="nin:SUCCEEDED,FAILED") == [asked]
    assert refunds(api, delivered, reason="in:goodwill,duplicate") == [done]
    assert refunds(api, delivered, amount="gte:50") == [done, asked]
    assert refunds(api, delivered, amount="lt:50") == []
    assert refunds(api, delivered, createdAt=f"gte:{at}") == [asked]
    assert refunds(api, delivered, createdAt=f"lt:{at}") == [done]


def test_the_ledger_entries_of_an_order_or_a_time(api, delivered):
    mine = LedgerEntry.objects.filter(wallet__partner=api.partner)
    first_of_order = mine.filter(order_id=delivered["id"]).order_by("created_at", "id").first()
    since = first_of_order.created_at.isoformat().replace("+00:00", "Z")

    def kinds(**params) -> list[str]:
        response = api.get("/wallets/EUR/ledger", params)
        assert response.status_code == 200, response.json()
        return [item["kind"] for item in response.json()["items"]]

    assert kinds() == ["credit", "debit", "top_up"]
    assert kinds(orderId=delivered["id"]) == ["credit", "debit"]
    assert kinds(orderId=f"ne:{delivered['id']}") == ["top_up"]
    assert kinds(at=f"gte:{since}") == ["credit", "debit"]
    assert kinds(at=f"lt:{since}") == ["top_up"]
