"""GET /api/v1/events: the partner's events oldest first, after a cursor, filtered by type and
order; a partner that was away catches up page by page without missing or repeating one."""

import pytest

from orders.services.fulfilment import line_reserve
from tests import factories

pytestmark = pytest.mark.django_db


def test_catching_up_page_by_page_sees_every_event_once_in_order(api):
    # given three orders, each created then reserved (six events)
    orders = [factories.order(owner=api.partner, product_obj=factories.product()) for _ in range(3)]
    for order in orders:
        line_reserve(line_id=order.lines.get().pk)
    # when the partner walks the feed two at a time from the start
    seen, after = [], None
    while True:
        page = api.get("/events", {"limit": 2, **({"after": after} if after else {})}).json()
        seen += page["items"]
        after = page["nextAfter"]
        if not page["hasMore"]:
            break
    # then it saw each event once, oldest first, with its envelope
    order_events = [e for e in seen if e["type"].startswith("order.")]
    assert len(order_events) == 6 and len({e["id"] for e in seen}) == len(seen)
    assert [e["id"] for e in seen] == sorted(e["id"] for e in seen)
    assert set(order_events[0]) == {"id", "type", "createdAt", "apiVersion", "data"}
    assert order_events[0]["createdAt"].endswith("Z")
    # and asking after the last one gives nothing new
    assert api.get("/events", {"after": after}).json()["items"] == []


def test_filters_by_type_and_order(api):
    first = factories.order(owner=api.partner, product_obj=factories.product())
    second = factories.order(owner=api.partner, product_obj=factories.product())
    line_reserve(line_id=second.lines.get().pk)
    # when filtered by type, and by order
    reserved = api.get("/events", {"type": "order.reserved"}).json()["items"]
    of_first = api.get("/events", {"orderId": str(first.pk)}).json()["items"]
    # then each holds only its matches
    assert [(e["type"], e["data"]["orderId"]) for e in reserved] == [("order.reserved", str(second.pk))]
    assert [e["type"] for e in of_first] == ["order.created"]


def test_an_unknown_type_or_a_bad_cursor_is_a_clear_problem(api):
    bad_type = api.get("/events", {"type": "order.teleported"})
    bad_cursor = api.get("/events", {"after": "nonsense"})
    unknown_cursor = api.get("/events", {"after": "evt_" + "0" * 32})
    bad_limit = api.get("/events", {"limit": "1000"})
    assert bad_type.status_code == 400 and "type" in bad_type.json()["errors"]
    assert bad_cursor.status_code == 400 and "after" in bad_cursor.json()["errors"]
    assert (unknown_cursor.status_code, unknown_cursor.json()["errorCode"]) == (404, "EVENT_NOT_FOUND")
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["errors"]
