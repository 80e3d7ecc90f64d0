import pytest

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_partner_walks_from_quote_to_fulfilled_order(api, worker):
    order = api.create_order(factories.product(), 1)
    assert order["status"] == "PENDING"
    worker()
    assert "finalize" in api.get(f"/orders/{order['id']}").json()["availableActions"]
    finalized = api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"})
    assert finalized.status_code == 200, finalized.json()
    worker()
    assert api.get(f"/orders/{order['id']}").json()["status"] == "FULFILLED"
