"""?version=N shows a confirmed version as it was: its lines, vouchers, payments and refunds in the
status they had when the next version replaced it, not as they are today."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_earlier_version_reads_as_it_was_before_a_removal_and_a_refund(api, worker):
    # Given a FULFILLED wallet order of two tickets with vouchers
    order = api.create_order(factories.product(price="40.00"), 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    delivered = api.get(f"/orders/{order['id']}").json()
    first, second = delivered["lines"]
    assert first["voucher"] is not None and first["voucher"]["status"] != "REVOKED"

    # When version 2 removes the first ticket, and afterwards the second ticket is refunded
    assert api.post(f"/orders/{order['id']}/amendments", {"remove": [first["id"]]}).status_code == 202
    confirmed = api.post(f"/orders/{order['id']}/amendments/2/confirm", {"expectedBalance": "-40.00"})
    assert confirmed.status_code == 200, confirmed.json()
    worker()
    refund = api.post(
        f"/orders/{order['id']}/refunds", {"lines": [second["position"]], "reason": "requested"}
    )
    assert refund.status_code == 202, refund.json()
    worker()
    today = api.get(f"/orders/{order['id']}").json()
    assert [line["id"] for line in today["lines"]] == [second["id"]]
    assert today["lines"][0]["status"] != "ISSUED" and len(today["refunds"]) == 1

    # Then version 1 shows both tickets ISSUED with their vouchers valid, its payment, no refund
    then = api.get(f"/orders/{order['id']}", {"version": "1"}).json()
    assert [(line["id"], line["status"]) for line in then["lines"]] == [
        (first["id"], "ISSUED"),
        (second["id"], "ISSUED"),
    ]
    assert then["lines"][0]["voucher"]["status"] == first["voucher"]["status"]
    assert then["lines"][0]["voucher"]["revokedAt"] is None
    assert [p["id"] for p in then["payments"]] == [p["id"] for p in delivered["payments"]]
    assert [p["status"] for p in then["payments"]] == [p["status"] for p in delivered["payments"]]
    assert (then["refunds"], then["total"]["amount"]) == ([], "80.00")
    # and reading it changed nothing today
    assert api.get(f"/orders/{order['id']}").json()["lines"] == today["lines"]
