"""Removing a traveller: an amendment that gives up a traveller's every ticket takes the traveller
out of the version it makes; an exchange keeps them; the version before still lists them."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_traveller_whose_tickets_are_all_removed_leaves_the_new_version(api, worker):
    # Given a delivered order of two tickets for Ada and Grace
    order = api.create_order(factories.product(price="50.00"), 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    delivered = api.get(f"/orders/{order['id']}").json()
    (ada_line, grace_line), (ada, grace) = delivered["lines"], delivered["travellers"]
    assert (ada_line["travellerId"], grace_line["travellerId"]) == (ada["id"], grace["id"])
    later = api.quote(factories.product(price="60.00"))

    # When version 2 exchanges Ada's ticket and removes Grace's, and is confirmed
    opened = api.post(
        f"/orders/{order['id']}/amendments",
        {"exchange": [{"lineId": ada_line["id"], "offerId": later["id"]}], "remove": [grace_line["id"]]},
    )
    assert opened.status_code == 202, opened.json()
    worker()
    confirmed = api.post(f"/orders/{order['id']}/amendments/2/confirm", {"expectedBalance": "-40.00"})
    assert confirmed.status_code == 200, confirmed.json()
    worker()

    # Then version 2 lists Ada alone, on her new ticket; version 1 still lists both
    now = api.get(f"/orders/{order['id']}").json()
    assert [t["id"] for t in now["travellers"]] == [ada["id"]]
    assert [line["travellerId"] for line in now["lines"]] == [ada["id"]]
    then = api.get(f"/orders/{order['id']}", {"version": "1"}).json()
    assert [t["id"] for t in then["travellers"]] == [ada["id"], grace["id"]]
