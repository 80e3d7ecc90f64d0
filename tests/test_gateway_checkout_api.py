"""POST /api/v1/orders/{id}/checkout: a gateway partner opens hosted checkout for its customer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent
from payments.models import Checkout
from tests import factories
from tests.api_support import client_for
from tests.gateway_support import reserved_order

pytestmark = pytest.mark.django_db

RETURN_URL = "https://shop.example/booking/done?ref=42"


@pytest.fixture
def gateway_api():
    return client_for(factories.partner(gateway=True))


def ready_order(api) -> Order:
    return reserved_order(owner=api.partner, checkout=False)


def open_checkout(api, order, return_url=RETURN_URL, **kwargs):
    return api.post(f"/orders/{order.pk}/checkout", {"returnUrl": return_url}, **kwargs)


def test_opening_checkout_gives_the_page_the_key_and_the_deadline(gateway_api, settings):
    settings.PUBLIC_BASE_URL = "https://pay.tessera.example"
    order = ready_order(gateway_api)

    response = open_checkout(gateway_api, order)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body == {
        "url": f"https://pay.tessera.example/checkout/{order.order_key}/",
        "orderKey": order.order_key,
        "expiresAt": order.expires_at.isoformat().replace("+00:00", "Z"),
    }
    assert Checkout.objects.get(order=order).return_url == RETURN_URL
    event = OrderEvent.objects.get(order=order, transition="checkout.opened")
    assert (event.actor_kind, event.payload) == ("partner", {"returnUrl": RETURN_URL})


def test_the_same_idempotency_key_replays_and_a_new_call_changes_the_return_url(gateway_api):
    order = ready_order(gateway_api)
    first = open_checkout(gateway_api, order, key="checkout-1")

    replay = open_checkout(gateway_api, order, key="checkout-1")
    changed = open_checkout(gateway_api, order, return_url="https://shop.example/other")

    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert changed.status_code == 201
    assert changed.json()["orderKey"] == first.json()["orderKey"]
    assert Checkout.objects.get(order=order).return_url == "https://shop.example/other"
    assert Checkout.objects.count() == 1


def test_the_idempotency_key_is_required(gateway_api):
    order = ready_order(gateway_api)

    response = gateway_api.http.post(
        f"/api/v1/orders/{order.pk}/checkout", {"returnUrl": RETURN_URL}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errorCode"] == "IDEMPOTENCY_KEY_MISSING"


@pytest.mark.parametrize(
    "return_url",
    [
        "http://shop.example/done",
        "ftp://shop.example/done",
        "/relative/path",
        "javascript:alert(1)",
        "https://user:secret@shop.example/done",
        "https://shop.example/" + "x" * 1000,
        "",
    ],
)
def test_a_return_url_that_is_not_https_is_refused(gateway_api, return_url):
    order = ready_order(gateway_api)

    response = open_checkout(gateway_api, order, return_url=return_url)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errorCode"] == "VALIDATION_FAILED"
    assert "returnUrl" in body["errors"]
    assert not Checkout.objects.exists()


@pytest.mark.parametrize("return_url", ["http://localhost:3000/done", "http://127.0.0.1/done?x=1"])
def test_http_is_allowed_for_a_local_return_url(gateway_api, return_url):
    order = ready_order(gateway_api)

    assert open_checkout(gateway_api, order, return_url=return_url).status_code == 201


def test_a_partner_without_the_gateway_is_refused(api):
    order = reserved_order(owner=api.partner, checkout=False)

    response = open_checkout(api, order)

    assert response.status_code == 403
    assert response.json()["errorCode"] == "BILLING_MODE_NOT_ALLOWED"
    assert response.json()["context"]["allowed"] == ["wallet"]


def test_an_order_still_reserving_is_not_ready(gateway_api):
    order = factories.order(owner=gateway_api.partner, product_obj=factories.product())

    response = open_checkout(gateway_api, order)

    assert response.status_code == 409
    assert response.json()["errorCode"] == "ORDER_NOT_READY"
    assert response.json()["retryable"] is True


def test_an_expired_or_canceled_order_cannot_open_checkout(gateway_api):
    expired, canceled = ready_order(gateway_api), ready_order(gateway_api)
    Order.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    gateway_api.post(f"/orders/{canceled.pk}/cancel", {})

    assert open_checkout(gateway_api, expired).json()["errorCode"] == "ORDER_EXPIRED"
    assert open_checkout(gateway_api, canceled).json()["errorCode"] == "INVALID_STATE"


def test_another_partners_order_is_not_found(gateway_api):
    stranger = reserved_order(checkout=False)

    response = open_checkout(gateway_api, stranger)

    assert response.status_code == 404
    assert response.json()["errorCode"] == "ORDER_NOT_FOUND"


def test_the_order_shows_checkout_as_an_action_and_its_customer_links(gateway_api, settings):
    settings.PUBLIC_BASE_URL = "https://pay.tessera.example"
    order = ready_order(gateway_api)
    before = gateway_api.get(f"/orders/{order.pk}").json()

    open_checkout(gateway_api, order)
    after = gateway_api.get(f"/orders/{order.pk}").json()

    assert before["availableActions"] == ["checkout", "update", "replaceTravellers", "cancel"]
    base = f"https://pay.tessera.example/checkout/{order.order_key}"
    assert before["customerLinks"] == {
        "orderKey": order.order_key,
        "checkout": None,
        "status": f"{base}/status",
        "tickets": None,
        "receipt": None,
    }
    assert after["customerLinks"]["checkout"] == f"{base}/"


def test_a_wallet_order_shows_its_status_and_receipt_links_once_paid(api, worker):
    order = reserved_order(owner=api.partner, checkout=False)
    api.post(f"/orders/{order.pk}/finalize", {"method": "wallet"})

    links = api.get(f"/orders/{order.pk}").json()["customerLinks"]

    assert "checkout" not in api.get(f"/orders/{order.pk}").json()["availableActions"]
    assert links["checkout"] is None
    assert links["receipt"].endswith(f"/checkout/{order.order_key}/receipt")
    assert links["tickets"] is None  # paid, but nothing issued yet


def test_listing_orders_with_customer_links_takes_the_same_queries_for_more_orders(
    gateway_api, django_assert_max_num_queries
):
    for _ in range(3):
        open_checkout(gateway_api, ready_order(gateway_api))
    with django_assert_max_num_queries(20) as few:
        gateway_api.get("/orders")
    queries_for_three = len(few)
    for _ in range(5):
        open_checkout(gateway_api, ready_order(gateway_api))

    with django_assert_max_num_queries(queries_for_three):
        response = gateway_api.get("/orders")

    assert len(response.json()["items"]) == 8
    assert all(item["customerLinks"]["checkout"] for item in response.json()["items"])
