"""The amendment endpoints over HTTP: open, confirm, reset, read versions, and what they refuse."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(api, worker) -> dict:
    """A FULFILLED wallet order of two train tickets of 50.00, created and paid over the API."""
    order = api.create_order(factories.product(price="50.00"), 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    body = api.get(f"/orders/{order['id']}").json()
    assert body["status"] == "FULFILLED"
    return body


def wallet(api) -> str:
    return api.get("/wallets").json()["items"][0]["balance"]["amount"]


def test_a_partner_exchanges_a_ticket_adds_one_and_reads_every_version(api, delivered, worker):
    order_id = delivered["id"]
    first, second = delivered["lines"]
    assert delivered["availableActions"] == ["refund", "amend"]
    assert (delivered["version"], delivered["amendment"]) == (1, None)
    later = api.quote(factories.product(price="65.00"))
    extra = api.quote(factories.product(price="30.00"))

    # When the first ticket is exchanged for a later train and a ticket is added for a new traveller
    opened = api.post(
        f"/orders/{order_id}/amendments",
        {
            "exchange": [{"lineId": first["id"], "offerId": later["id"]}],
            "add": [{"offerId": extra["id"], "travellers": [{"givenName": "Bo", "familyName": "Extra"}]}],
        },
    )

    # Then 202: the draft shows its lines reserving, what it removes and its balance; version 1 stands
    assert opened.status_code == 202, opened.json()
    body = opened.json()
    draft = body["amendment"]
    assert (draft["version"], draft["status"], draft["balance"]) == (
        2,
        "DRAFT",
        {"amount": "45.00", "currency": "EUR"},
    )
    assert [line["status"] for line in draft["lines"]] == ["RESERVING", "RESERVING"]
    assert draft["removedLines"] == [first["id"]]
    assert body["version"] == 1 and [line["id"] for line in body["lines"]] == [first["id"], second["id"]]
    assert body["availableActions"] == ["confirmAmendment", "resetAmendment"]

    # When the worker reserves them and the partner confirms with the balance
    worker()
    before = wallet(api)
    confirmed = api.post(f"/orders/{order_id}/amendments/2/confirm", {"expectedBalance": "45.00"})
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "PROCESSING"
    worker()

    # Then version 2 is current: the second ticket, the later train and the added ticket, all issued
    now = api.get(f"/orders/{order_id}").json()
    assert (now["version"], now["status"], now["total"]["amount"], now["amendment"]) == (
        2,
        "FULFILLED",
        "145.00",
        None,
    )
    assert [line["status"] for line in now["lines"]] == ["ISSUED", "ISSUED", "ISSUED"]
    assert {t["givenName"] + t["familyName"] for t in now["travellers"]} >= {"BoExtra"}
    assert float(before) - float(wallet(api)) == pytest.approx(45.00)
    # and version 1 reads as it was: its two lines, both ISSUED then, and its total
    first_version = api.get(f"/orders/{order_id}", {"version": "1"}).json()
    assert (first_version["version"], first_version["total"]["amount"]) == (1, "100.00")
    assert [(line["id"], line["status"]) for line in first_version["lines"]] == [
        (first["id"], "ISSUED"),
        (second["id"], "ISSUED"),
    ]
    versions = api.get(f"/orders/{order_id}/versions").json()
    assert [(v["version"], v["status"], v["total"]["amount"], v["balance"]["amount"]) for v in versions] == [
        (1, "CONFIRMED", "100.00", "100.00"),
        (2, "CONFIRMED", "145.00", "45.00"),
    ]
    missing = api.get(f"/orders/{order_id}", {"version": "3"})
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "VERSION_NOT_FOUND")


def test_an_open_draft_refuses_a_second_amendment_and_refunds_until_reset(api, delivered, worker):
    order_id = delivered["id"]
    first, second = delivered["lines"]
    assert api.post(f"/orders/{order_id}/amendments", {"remove": [first["id"]]}).status_code == 202

    # Then another amendment and a refund are 409 AMENDMENT_OPEN
    again = api.post(f"/orders/{order_id}/amendments", {"remove": [second["id"]]})
    refund = api.post(f"/orders/{order_id}/refunds", {"lines": [2], "reason": "requested"})
    assert (again.status_code, again.json()["errorCode"]) == (409, "AMENDMENT_OPEN")
    assert (refund.status_code, refund.json()["errorCode"]) == (409, "AMENDMENT_OPEN")
    wrong = api.post(f"/orders/{order_id}/amendments/2/confirm", {"expectedBalance": "0.00"})
    assert (wrong.status_code, wrong.json()["errorCode"]) == (409, "PRICE_CHANGED")

    # When the draft is reset, the order is as it was and takes a refund again
    reset = api.post(f"/orders/{order_id}/amendments/2/reset")
    assert reset.status_code == 200, reset.json()
    assert (reset.json()["amendment"], reset.json()["version"]) == (None, 1)
    assert reset.json()["availableActions"] == ["refund", "amend"]
    assert api.post(f"/orders/{order_id}/refunds", {"lines": [2], "reason": "requested"}).status_code == 202
    gone = api.post(f"/orders/{order_id}/amendments/2/confirm", {"expectedBalance": "-50.00"})
    assert (gone.status_code, gone.json()["errorCode"]) == (409, "AMENDMENT_NOT_OPEN")


def test_a_pending_order_is_not_amendable(api):
    order = api.create_order(factories.product(price="10.00"), 1)
    response = api.post(f"/orders/{order['id']}/amendments", {"remove": [order["lines"][0]["id"]]})
    assert (response.status_code, response.json()["errorCode"]) == (409, "ORDER_NOT_AMENDABLE")
    empty = api.post(f"/orders/{order['id']}/amendments", {})
    assert empty.status_code == 400


def test_unlock_resets_the_open_draft_and_an_unlocked_order_stays_as_it_is(api, delivered):
    order_id = delivered["id"]
    first = delivered["lines"][0]
    opened = api.post(f"/orders/{order_id}/amendments", {"remove": [first["id"]]}).json()
    # opening the draft moved the order's updatedAt, so a partner syncing by it sees the draft
    assert opened["updatedAt"] > delivered["updatedAt"]

    unlocked = api.post(f"/orders/{order_id}/unlock", {"reason": "customer changed their mind"})
    again = api.post(f"/orders/{order_id}/unlock")

    assert unlocked.status_code == again.status_code == 200
    assert (unlocked.json()["amendment"], unlocked.json()["version"]) == (None, 1)
    events = api.get(f"/orders/{order_id}/events", {"perPage": 100}).json()["items"]
    (reset,) = [event for event in events if event["transition"] == "amendment.reset"]
    assert reset["payload"]["reason"] == "customer changed their mind"


def test_a_line_removed_and_exchanged_at_once_is_a_conflict(api, delivered):
    first = delivered["lines"][0]
    offer = api.quote(factories.product(price="60.00"))

    response = api.post(
        f"/orders/{delivered['id']}/amendments",
        {"remove": [first["id"]], "exchange": [{"lineId": first["id"], "offerId": offer["id"]}]},
    )

    assert (response.status_code, response.json()["errorCode"]) == (409, "ORDER_NOT_AMENDABLE")
    assert response.json()["context"]["lines"] == {str(first["id"]): "removed or exchanged twice"}
