"""An endpoint receives each order's events in the order they happened: a later event of an
order waits while an earlier one of the same order is being retried; other orders' go on."""

import json

import pytest

from orders.services.fulfilment import line_reserve
from tests import factories
from tests.webhook_support import deliver_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def _types_by_order(receiver) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for request in receiver.received:
        event = json.loads(request.body)
        seen.setdefault(event["data"]["orderId"], []).append(event["type"])
    return seen


def test_a_retried_event_holds_back_its_orders_later_events(api, receiver, settings):
    # given an endpoint whose first answer fails, and an order created then reserved
    settings.WEBHOOK_RETRY_SCHEDULE = [0.2]
    api.post("/webhook-endpoints", {"url": receiver.url, "eventTypes": ["order.created", "order.reserved"]})
    receiver.answer(500, 200)
    order = factories.order(owner=api.partner, product_obj=factories.product())
    line_reserve(line_id=order.lines.get().pk)
    # when the worker delivers (order.created fails once, order.reserved is due at once)
    deliver_until_settled()
    # then order.reserved arrived only after order.created had, in the end, arrived
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["order.created", "order.created", "order.reserved"]


def test_each_order_arrives_in_order_among_many(api, receiver):
    # given an endpoint and several orders, each created then reserved
    api.post("/webhook-endpoints", {"url": receiver.url, "eventTypes": ["order.created", "order.reserved"]})
    orders = [factories.order(owner=api.partner, product_obj=factories.product()) for _ in range(4)]
    for order in orders:
        line_reserve(line_id=order.lines.get().pk)
    deliver_until_settled()
    # then every order's events came created, then reserved
    assert _types_by_order(receiver) == {str(o.pk): ["order.created", "order.reserved"] for o in orders}
