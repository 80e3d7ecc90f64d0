"""Refunds over HTTP: a partner asks with an Idempotency-Key, follows the refund, sees it on the order.

Given a delivered order, when the partner POSTs a refund, then it answers 202 with the refund
REQUESTED and a Location; once the worker has run, the refund, the order's refunds and the order
itself show what went back. The same key twice makes one refund; another partner sees 404; every
refusal is a problem with its own code.
"""

import uuid
from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import Refund
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].split(";")[0] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["errorCode"] == code
    return body


@pytest.fixture
def delivered(api, worker) -> dict:
    """A FULFILLED order of two tickets of 50.00, created and paid over the API."""
    product = factories.product(price="50.00", behaviour={"refund_fee": "2.00"})
    order = api.create_order(product, 2)
    worker()
    assert api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    body = api.get(f"/orders/{order['id']}").json()
    assert body["status"] == "FULFILLED"
    return body


def test_a_partner_refunds_a_line_and_follows_it_to_succeeded(api, delivered, worker):
    # given the order offers a refund
    assert delivered["availableActions"] == ["refund", "amend"]
    assert delivered["refunds"] == []

    # when line 2 is refunded
    response = api.post(
        f"/orders/{delivered['id']}/refunds", {"lines": [2], "reason": "requested", "note": "sick"}
    )

    # then 202 with the refund as asked, and where to follow it
    assert response.status_code == 202, response.json()
    asked = response.json()
    assert response["Location"] == f"/api/v1/refunds/{asked['id']}"
    assert asked["status"] == "REQUESTED"
    assert asked["orderId"] == delivered["id"]
    assert (asked["reason"], asked["note"], asked["failureReason"]) == ("requested", "sick", "")
    assert asked["amount"] == {"amount": "50.00", "currency": "EUR"}
    assert asked["supplierFee"] == {"amount": "0.00", "currency": "EUR"}
    assert asked["lines"] == [
        {
            "position": 2,
            "amount": {"amount": "50.00", "currency": "EUR"},
            "supplierFee": {"amount": "0.00", "currency": "EUR"},
        }
    ]

    # when the worker has run
    worker()

    # then the refund shows what went back after the supplier's fee
    done = api.get(response["Location"]).json()
    assert done["status"] == "SUCCEEDED"
    assert done["amount"] == {"amount": "48.00", "currency": "EUR"}
    assert done["supplierFee"] == {"amount": "2.00", "currency": "EUR"}
    assert done["lines"][0]["amount"]["amount"] == "48.00"
    assert done["updatedAt"] >= asked["updatedAt"]
    # and so does the order, which may still refund line 1
    order = api.get(f"/orders/{delivered['id']}").json()
    assert order["status"] == "PARTIALLY_REFUNDED"
    assert {line["position"]: line["status"] for line in order["lines"]} == {1: "ISSUED", 2: "REFUNDED"}
    assert [refund["id"] for refund in order["refunds"]] == [asked["id"]]
    assert order["refunds"][0] == done
    assert order["payments"][0]["status"] == "PARTIALLY_REFUNDED"
    assert order["availableActions"] == ["refund"]
    assert api.get("/wallets").json()["items"][0]["balance"]["amount"] == "948.00"


def test_refunding_everything_leaves_no_refund_action(api, delivered, worker):
    response = api.post(f"/orders/{delivered['id']}/refunds", {"reason": "canceled_event"})
    assert response.status_code == 202, response.json()
    assert [line["position"] for line in response.json()["lines"]] == [1, 2]
    # while the refund runs, nothing is left to ask for
    assert api.get(f"/orders/{delivered['id']}").json()["availableActions"] == []

    worker()

    order = api.get(f"/orders/{delivered['id']}").json()
    assert (order["status"], order["availableActions"]) == ("REFUNDED", [])
    listed = api.get(f"/orders/{delivered['id']}/refunds").json()
    assert [(r["status"], r["amount"]["amount"]) for r in listed["items"]] == [("SUCCEEDED", "96.00")]
    assert listed["totalItems"] == 1


def test_the_same_idempotency_key_twice_makes_one_refund(api, delivered):
    key = str(uuid.uuid4())
    body = {"lines": [1], "reason": "requested"}

    first = api.post(f"/orders/{delivered['id']}/refunds", body, key=key)
    second = api.post(f"/orders/{delivered['id']}/refunds", body, key=key)

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Refund.objects.filter(order_id=delivered["id"]).count() == 1


def test_another_partner_gets_404_for_the_order_its_refunds_and_each_refund(api, delivered):
    refund = api.post(f"/orders/{delivered['id']}/refunds", {"reason": "requested"}).json()
    stranger = client_for(factories.partner(wallet="10.00"))

    assert_problem(
        stranger.post(f"/orders/{delivered['id']}/refunds", {"reason": "requested"}), 404, "ORDER_NOT_FOUND"
    )
    assert_problem(
        stranger.post(f"/orders/{delivered['id']}/refunds", {"lines": [1], "reason": "requested"}),
        404,
        "ORDER_NOT_FOUND",
    )
    assert_problem(stranger.get(f"/orders/{delivered['id']}/refunds"), 404, "ORDER_NOT_FOUND")
    assert_problem(stranger.get(f"/refunds/{refund['id']}"), 404, "REFUND_NOT_FOUND")
    assert_problem(api.get(f"/refunds/{uuid.uuid4()}"), 404, "REFUND_NOT_FOUND")
    assert Refund.objects.count() == 1


def test_a_line_already_being_refunded_is_409_with_the_line_named(api, delivered):
    api.post(f"/orders/{delivered['id']}/refunds", {"lines": [1], "reason": "requested"})

    problem = assert_problem(
        api.post(f"/orders/{delivered['id']}/refunds", {"lines": [1, 2], "reason": "requested"}),
        409,
        "LINE_NOT_REFUNDABLE",
    )

    assert problem["context"]["lines"] == {"1": "The line is already in a refund."}
    assert problem["retryable"] is False
    assert Refund.objects.count() == 1


def test_an_order_not_yet_delivered_is_409_refund_not_allowed(api):
    order = api.create_order(factories.product(), 1)

    problem = assert_problem(
        api.post(f"/orders/{order['id']}/refunds", {"reason": "requested"}), 409, "REFUND_NOT_ALLOWED"
    )

    assert problem["context"] == {"status": "PENDING"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"reason": "late_payment"}, {"reason"}),
        ({}, {"reason"}),
        ({"reason": "requested", "lines": []}, {"lines"}),
        ({"reason": "requested", "lines": [0]}, {"lines"}),
        ({"reason": "requested", "lines": [7]}, {"lines"}),
        ({"reason": "requested", "lines": [1], "amount": "10.00"}, {"amount"}),
        ({"reason": "requested", "amount": 10}, {"amount"}),
        ({"reason": "requested", "amount": "10.001"}, {"amount"}),
        ({"reason": "requested", "amount": "0.00"}, {"amount"}),
        ({"reason": "requested", "note": "x" * 256}, {"note"}),
    ],
)
def test_bad_refund_requests_are_400_and_change_nothing(api, delivered, body, fields):
    problem = assert_problem(api.post(f"/orders/{delivered['id']}/refunds", body), 400, "VALIDATION_FAILED")

    assert set(problem["errors"]) == fields
    assert not Refund.objects.exists()


def test_a_refund_needs_an_idempotency_key(api, delivered):
    response = api.http.post(
        f"/api/v1/orders/{delivered['id']}/refunds", {"reason": "requested"}, format="json"
    )

    assert_problem(response, 400, "IDEMPOTENCY_KEY_MISSING")
    assert not Refund.objects.exists()


def test_listing_an_orders_refunds_takes_the_same_queries_for_1_or_10(
    wallet_partner, worker, django_assert_max_num_queries
):
    # given two delivered orders of one and of ten lines, each refunded line by line
    client = client_for(wallet_partner)
    product = factories.product(kind="event", price="5.00")
    counts = {}
    for lines in (1, 10):
        order = client.create_order(product, lines)
        worker()
        client.post(f"/orders/{order['id']}/finalize", {"method": "wallet"})
        worker()
        for position in range(1, lines + 1):
            response = client.post(
                f"/orders/{order['id']}/refunds", {"lines": [position], "reason": "requested"}
            )
            assert response.status_code == 202, response.json()
        worker()

        # when the refunds are listed
        with django_assert_max_num_queries(12) as captured:
            listed = client.get(f"/orders/{order['id']}/refunds", {"perPage": 50})
        counts[lines] = len(captured)

        # then
        assert len(listed.json()["items"]) == lines
        assert Order.objects.get(pk=order["id"]).status == "REFUNDED"

    assert counts[1] == counts[10]
    assert Decimal(client.get("/wallets").json()["items"][0]["balance"]["amount"]) == Decimal("1000.00")
