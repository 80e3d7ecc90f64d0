"""Correcting a misspelt name over HTTP: products say whether they allow it, the amendment body's
travellers, the draft, the confirmed version and the one before, and what is refused when."""

import uuid

import pytest

from suppliers.models import Product
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(api, worker) -> dict:
    """A FULFILLED wallet order of two train tickets of 50.00 whose product allows a traveller
    change for 1.50, created and paid over the API."""
    product = factories.product(price="50.00")
    Product.objects.filter(pk=product.pk).update(allows_traveller_change=True, traveller_change_fee="1.50")
    order = api.create_order(Product.objects.get(pk=product.pk), 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    body = api.get(f"/orders/{order['id']}").json()
    assert body["status"] == "FULFILLED"
    return body


def test_products_and_offers_say_whether_a_traveller_may_be_changed_and_at_what_fee(api):
    product = factories.product(price="50.00")
    Product.objects.filter(pk=product.pk).update(allows_traveller_change=True, traveller_change_fee="1.50")

    shown = api.get(f"/products/{product.pk}").json()["changes"]
    quoted = api.quote(product)["snapshot"]["changes"]

    expected = {"allowed": True, "fee": {"amount": "1.50", "currency": "EUR"}}
    assert shown["travellerChange"] == quoted["travellerChange"] == expected
    default = api.get(f"/products/{factories.product().pk}").json()["changes"]["travellerChange"]
    assert default == {"allowed": False, "fee": {"amount": "0.00", "currency": "EUR"}}


def test_a_partner_fixes_a_misspelt_name_and_version_one_still_reads_it(api, delivered, worker):
    order_id = delivered["id"]
    first_line = delivered["lines"][0]
    misspelt = next(t for t in delivered["travellers"] if t["id"] == first_line["travellerId"])

    # When the partner corrects the traveller's family name
    opened = api.post(
        f"/orders/{order_id}/amendments",
        {"travellers": [{"travellerId": misspelt["id"], "familyName": "Lovelace"}]},
    )

    # Then 202: the draft's balance is the fee for the traveller's one ticket, and it shows the
    # traveller as they will read; the current version still has the old name
    assert opened.status_code == 202, opened.json()
    body = opened.json()
    draft = body["amendment"]
    assert (draft["balance"], draft["fees"], draft["lines"], draft["removedLines"]) == (
        {"amount": "1.50", "currency": "EUR"},
        {"amount": "1.50", "currency": "EUR"},
        [],
        [],
    )
    (corrected,) = draft["travellers"]
    assert (corrected["givenName"], corrected["familyName"], corrected["replaces"]) == (
        misspelt["givenName"],
        "Lovelace",
        misspelt["id"],
    )
    assert misspelt in body["travellers"]

    # When it is confirmed
    confirmed = api.post(f"/orders/{order_id}/amendments/2/confirm", {"expectedBalance": "1.50"})
    assert confirmed.status_code == 200, confirmed.json()
    worker()

    # Then version 2 is current: the ticket is the same line, held by the corrected traveller
    now = api.get(f"/orders/{order_id}").json()
    assert (now["version"], now["status"], now["total"]["amount"]) == (2, "FULFILLED", "100.00")
    assert now["lines"][0]["id"] == first_line["id"]
    assert now["lines"][0]["travellerId"] == corrected["id"]
    assert corrected["id"] in {t["id"] for t in now["travellers"]}
    assert misspelt["id"] not in {t["id"] for t in now["travellers"]}
    # and version 1 reads as it was: the old name, its line naming the old traveller
    then = api.get(f"/orders/{order_id}", {"version": "1"}).json()
    assert misspelt in then["travellers"]
    assert then["lines"][0]["travellerId"] == misspelt["id"]
    assert [v["fees"]["amount"] for v in api.get(f"/orders/{order_id}/versions").json()] == ["0.00", "1.50"]
    # and partners hear of it without the personal values
    events = api.get(f"/orders/{order_id}/events", {"perPage": 100}).json()["items"]
    (changed,) = [e for e in events if e["transition"] == "traveller.changed"]
    assert changed["payload"]["fields"] == ["familyName"]
    assert "Lovelace" not in str(changed)


def test_a_traveller_change_must_change_something_the_body_says_it(api, delivered):
    traveller = delivered["travellers"][0]["id"]

    response = api.post(f"/orders/{delivered['id']}/amendments", {"travellers": [{"travellerId": traveller}]})

    assert response.status_code == 400


def test_the_same_traveller_twice_is_a_conflict_found_after_the_order(api, delivered):
    traveller = delivered["travellers"][0]["id"]
    body = {
        "travellers": [
            {"travellerId": traveller, "givenName": "Ada"},
            {"travellerId": traveller, "familyName": "Byron"},
        ]
    }

    twice = api.post(f"/orders/{delivered['id']}/amendments", body)
    unknown_order = api.post(f"/orders/{uuid.uuid4()}/amendments", body)
    stranger = api.post(
        f"/orders/{delivered['id']}/amendments",
        {"travellers": [{"travellerId": traveller + 1000, "givenName": "Ada"}]},
    )

    assert (twice.status_code, twice.json()["errorCode"]) == (409, "ORDER_NOT_AMENDABLE")
    assert twice.json()["context"]["travellers"] == {str(traveller): "changed twice"}
    assert (unknown_order.status_code, unknown_order.json()["errorCode"]) == (404, "ORDER_NOT_FOUND")
    assert (stranger.status_code, stranger.json()["errorCode"]) == (409, "ORDER_NOT_AMENDABLE")
    assert api.get(f"/orders/{delivered['id']}").json()["amendment"] is None
