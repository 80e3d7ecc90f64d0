"""An order can be made straight from products: each line is priced as POST /offers would and
kept as an offer snapshot, so an order needs one request.

Given products, when a partner posts lines instead of offers, then the order holds one line per
unit at the quoted price and each line's offer is stored, used, with its snapshot; offers and
lines together, or neither, are 400s naming the field; a product that does not exist or a wrong
denomination is refused as POST /offers refuses it, and nothing is created.
"""

from decimal import Decimal

import pytest

from orders.models import Order, OrderLine
from suppliers.models import Offer, SupplierKind
from tests import factories
from tests.api_support import travellers_json

pytestmark = pytest.mark.django_db


def test_lines_are_quoted_inline_and_snapshotted_as_offers(api):
    # given a rail product and a voucher with denominations
    rail = factories.product(price="80.00")
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])

    # when the partner orders them straight from the products
    answer = api.post(
        "/orders",
        {
            "lines": [
                {"productId": rail.pk, "quantity": 2},
                {"productId": voucher.pk, "denomination": "50.00"},
            ],
            "travellers": travellers_json(2),
        },
    )

    # then the order is priced as quotes would price it, and the quotes are kept, used
    assert answer.status_code == 202, answer.json()
    body = answer.json()
    assert body["total"] == {"amount": "210.00", "currency": "EUR"}
    order = Order.objects.get(pk=body["id"])
    offers = list(Offer.objects.filter(partner=api.partner).order_by("pk"))
    assert [(o.product_id, o.quantity, o.total_amount) for o in offers] == [
        (rail.pk, 2, Decimal("160.00")),
        (voucher.pk, 1, Decimal("50.00")),
    ]
    assert all(o.used_at is not None for o in offers)
    assert offers[0].snapshot["unitPrice"] == "80.00" and offers[1].snapshot["denomination"] == "50.00"
    lines = OrderLine.objects.filter(order=order).order_by("position")
    assert [line.offer_id for line in lines] == [offers[0].pk, offers[0].pk, offers[1].pk]
    assert sorted(o["id"] for o in body["offers"]) == sorted(str(o.pk) for o in offers)


def test_offers_and_lines_together_or_neither_are_400s_naming_the_field(api):
    product = factories.product()
    offer = api.quote(product)

    both = api.post("/orders", {"offers": [offer["id"]], "lines": [{"productId": product.pk}]})
    neither = api.post("/orders", {"travellers": travellers_json(1)})

    assert both.status_code == neither.status_code == 400
    assert set(both.json()["errors"]) == {"lines"}
    assert set(neither.json()["errors"]) == {"offers"}
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ({"productId": 999999}, "PRODUCT_NOT_FOUND"),
        ({"denomination": "30.00"}, "INVALID_DENOMINATION"),
    ],
)
def test_a_line_post_offers_would_refuse_is_refused_and_creates_nothing(api, line, code):
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"])

    answer = api.post("/orders", {"lines": [{"productId": voucher.pk, **line}]})

    assert answer.status_code in (400, 404, 422), answer.json()
    assert answer.json()["errorCode"] == code
    assert Order.objects.count() == Offer.objects.count() == 0
