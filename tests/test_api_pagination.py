"""Pages and cursors on ``GET /api/v1/orders``, seen over HTTP.

Given a partner with 23 orders, when it pages through them, then every order shows up once with
correct ``totalItems`` and ``totalPages``; ``limit`` is a shortcut for the first page; bad paging
parameters are a 400 naming them. When it syncs with ``updatedSince`` and ``cursor``, then it
visits every order once in (updatedAt, id) order, sees orders changed during the walk again at
its end, and the database is never asked to count.
"""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.services import cancellation
from suppliers.models import SupplierKind
from tessera.actors import Actor
from tessera.api import pagination
from tests import factories

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
TOTAL = 23
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def orders(api) -> list[Order]:
    """23 PENDING orders of ``api``'s partner."""
    product = factories.product(kind=SupplierKind.EVENT, price="10.00")
    return [factories.order(owner=api.partner, product_obj=product) for _ in range(TOTAL)]


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def meta_of(response) -> dict:
    return {key: value for key, value in response.json().items() if key != "items"}


def newest_first(partner) -> list[str]:
    rows = Order.objects.filter(partner=partner).values_list("created_at", "id")
    return [str(pk) for _, pk in sorted(rows, reverse=True)]


def sync_order(partner) -> list[str]:
    rows = Order.objects.filter(partner=partner).values_list("updated_at", "id")
    return [str(pk) for _, pk in sorted(rows)]


def assert_refused(response, *names: str) -> None:
    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["errorCode"] == "INVALID_FILTER"
    assert set(body["errors"]) == set(names)


# --- pages ------------------------------------------------------------------------------------


def test_pages_visit_every_order_once_with_totals(api, orders):
    pages = [api.get("/orders", {"page": page, "perPage": 10}) for page in (1, 2, 3)]

    assert [len(ids_of(page)) for page in pages] == [10, 10, 3]
    for number, page in enumerate(pages, start=1):
        assert meta_of(page) == {
            "page": number,
            "perPage": 10,
            "totalItems": TOTAL,
            "totalPages": 3,
            "totalItemsExact": True,
        }
    walked = [order_id for page in pages for order_id in ids_of(page)]
    assert walked == newest_first(api.partner)


def test_a_page_beyond_the_end_is_empty_with_the_same_totals(api, orders):
    response = api.get("/orders", {"page": 4, "perPage": 10})

    assert ids_of(response) == []
    assert meta_of(response) == {
        "page": 4,
        "perPage": 10,
        "totalItems": TOTAL,
        "totalPages": 3,
        "totalItemsExact": True,
    }


def test_default_page_holds_25_orders(api, orders):
    response = api.get("/orders")

    assert len(ids_of(response)) == TOTAL
    assert meta_of(response) == {
        "page": 1,
        "perPage": 25,
        "totalItems": TOTAL,
        "totalPages": 1,
        "totalItemsExact": True,
    }


def test_no_orders_is_zero_pages(api):
    response = api.get("/orders", {"perPage": 10})

    assert ids_of(response) == []
    assert meta_of(response) == {
        "page": 1,
        "perPage": 10,
        "totalItems": 0,
        "totalPages": 0,
        "totalItemsExact": True,
    }


def test_totals_count_only_the_filtered_orders(api, orders):
    for order in orders[:4]:
        cancellation.order_cancel(
            order_id=order.pk, partner_id=api.partner.pk, actor=Actor.partner(api.partner)
        )

    response = api.get("/orders", {"status": "CANCELED", "perPage": 3})

    assert len(ids_of(response)) == 3
    assert meta_of(response) == {
        "page": 1,
        "perPage": 3,
        "totalItems": 4,
        "totalPages": 2,
        "totalItemsExact": True,
    }


def test_per_page_is_at_most_100(api, orders):
    assert meta_of(api.get("/orders", {"perPage": 100}))["perPage"] == 100
    for bad in ("101", "0", "-5", "ten", "2.5", ""):
        assert_refused(api.get("/orders", {"perPage": bad}), "perPage")


def test_limit_is_a_shortcut_for_the_first_page(api, orders):
    response = api.get("/orders", {"limit": 5})

    assert ids_of(response) == newest_first(api.partner)[:5]
    assert meta_of(response) == {
        "page": 1,
        "perPage": 5,
        "totalItems": TOTAL,
        "totalPages": 5,
        "totalItemsExact": True,
    }


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": 5, "page": 2}, {"limit"}),
        ({"limit": 5, "perPage": 5}, {"limit"}),
        ({"limit": 5, "page": 1}, {"limit"}),
        ({"limit": 0}, {"limit"}),
        ({"limit": 101}, {"limit"}),
        ({"limit": "all"}, {"limit"}),
        ({"page": "two"}, {"page"}),
        ({"page": 0}, {"page"}),
        ({"page": -1}, {"page"}),
        ({"page": "1.5"}, {"page"}),
        ({"page": 10_001}, {"page"}),
        ({"page": "x", "perPage": "y"}, {"page", "perPage"}),
    ],
)
def test_bad_paging_parameters_are_refused_naming_them(api, params, named):
    assert_refused(api.get("/orders", params), *named)


def test_queries_do_not_grow_with_page_size_or_line_count(api, other_api, django_assert_max_num_queries):
    single = factories.product(kind=SupplierKind.RAIL, price="10.00")
    for _ in range(20):
        factories.order(owner=api.partner, product_obj=single)
    for _ in range(20):  # three lines and three travellers each
        factories.order(owner=other_api.partner, product_obj=single, quantity=3)

    def queries(client, per_page: int) -> int:
        client.get("/orders", {"perPage": per_page})  # warm up: the key's last use is recorded once
        with CaptureQueriesContext(connection) as captured:
            assert len(ids_of(client.get("/orders", {"perPage": per_page}))) == per_page
        return len(captured)

    baseline = queries(api, 1)
    assert queries(api, 20) == baseline
    assert queries(other_api, 20) == baseline
    with django_assert_max_num_queries(10):
        api.get("/orders", {"perPage": 20})


# --- cursors ----------------------------------------------------------------------------------


@pytest.fixture
def synced(api, orders) -> list[str]:
    """The 23 orders with old, partly shared updated_at values, in (updated_at, id) order."""
    ids = [order.pk for order in orders]
    Order.objects.filter(pk__in=ids[:6]).update(updated_at=LONG_AGO)
    Order.objects.filter(pk__in=ids[6:14]).update(updated_at=LONG_AGO + timedelta(hours=1))
    for n, pk in enumerate(ids[14:], start=2):
        Order.objects.filter(pk=pk).update(updated_at=LONG_AGO + timedelta(hours=n))
    return sync_order(api.partner)


def walk(api, per_page: int = 7, *, on_page=None, **params) -> tuple[list[str], list[dict]]:
    """Follow nextCursor from updatedSince to the end; ``on_page(n)`` runs after page n."""
    response = api.get("/orders", {"updatedSince": "2019-12-31T00:00:00Z", "perPage": per_page, **params})
    visited, metas = [], []
    for page in range(1, 50):
        visited += ids_of(response)
        metas.append(meta_of(response))
        if on_page:
            on_page(page)
        cursor = response.json()["nextCursor"]
        if cursor is None:
            return visited, metas
        response = api.get("/orders", {"cursor": cursor, "perPage": per_page, **params})
    raise AssertionError("the walk never ended")


def test_cursor_walk_visits_every_order_once_in_update_order(api, synced):
    visited, metas = walk(api, per_page=7)

    assert visited == synced
    assert [meta["perPage"] for meta in metas] == [7, 7, 7, 7]
    assert [meta["nextCursor"] is None for meta in metas] == [False, False, False, True]
    assert all(set(meta) == {"perPage", "nextCursor"} for meta in metas)  # no totals to count


def test_cursor_walk_with_a_page_boundary_inside_equal_timestamps(api, synced):
    # the 8 orders sharing one updated_at straddle a page boundary at each of these sizes
    for per_page in (2, 3, 5):
        visited, _ = walk(api, per_page=per_page)
        assert visited == synced, per_page


def test_updated_since_starts_at_that_time(api, synced):
    since = LONG_AGO + timedelta(hours=1)

    visited, _ = walk(api, per_page=100, updatedSince=since.isoformat())

    assert visited == synced[6:]


def test_cursor_walk_keeps_the_filters(api, synced):
    canceled = synced[3:10:2]
    for order_id in canceled:
        cancellation.order_cancel(
            order_id=order_id, partner_id=api.partner.pk, actor=Actor.partner(api.partner)
        )

    visited, _ = walk(api, per_page=2, status="CANCELED")

    assert sorted(visited) == sorted(canceled)
    assert len(visited) == len(canceled)


def test_an_order_changed_during_the_walk_shows_up_again_later(api, synced):
    seen_then_changed, not_yet_seen = synced[2], synced[15]

    def change(page: int) -> None:
        if page == 1:
            for n, order_id in enumerate((seen_then_changed, not_yet_seen)):
                response = api.patch(f"/orders/{order_id}", {"externalReference": f"changed-{n}"})
                assert response.status_code == 200, response.json()

    visited, _ = walk(api, per_page=7, on_page=change)

    expected = [order_id for order_id in synced if order_id != not_yet_seen]
    assert visited == [*expected, seen_then_changed, not_yet_seen]


@pytest.mark.django_db(transaction=True)  # the reservation is queued on commit
def test_a_line_moving_alone_brings_its_order_back_in_the_walk(api, worker):
    """Partners sync on updatedAt, so a line reserved in the background must move its order."""
    order = api.create_order(factories.product(), 1)
    Order.objects.filter(pk=order["id"]).update(updated_at=LONG_AGO)
    since = (LONG_AGO + timedelta(seconds=1)).isoformat()
    assert api.get("/orders", {"updatedSince": since}).json()["items"] == []

    worker()

    changed = api.get("/orders", {"updatedSince": since}).json()["items"]
    assert [(item["id"], [line["status"] for line in item["lines"]]) for item in changed] == [
        (order["id"], ["RESERVED"])
    ]
    assert Order.objects.get(pk=order["id"]).status == "PENDING"  # the order's own status did not move


def test_limit_sets_the_page_size_of_a_walk(api, synced):
    first = api.get("/orders", {"updatedSince": "2019-12-31T00:00:00Z", "limit": 5}).json()
    second = api.get("/orders", {"cursor": first["nextCursor"], "limit": 5}).json()

    assert (first["perPage"], len(first["items"])) == (5, 5)
    assert [item["id"] for item in first["items"] + second["items"]] == synced[:10]


@pytest.mark.parametrize("name", ["orderBy", "sortBy", "page"])
def test_what_the_walk_does_not_take_is_refused_naming_it(api, synced, name):
    value = {"orderBy": "createdAt", "sortBy": "asc", "page": "2"}[name]

    response = api.get("/orders", {"updatedSince": "2019-12-31T00:00:00Z", name: value})

    assert_refused(response, name)


def test_cursor_mode_never_counts(api, synced, django_assert_max_num_queries):
    first = api.get("/orders", {"updatedSince": "2019-12-31T00:00:00Z", "perPage": 7})
    cursor = first.json()["nextCursor"]

    with CaptureQueriesContext(connection) as paged:
        api.get("/orders", {"perPage": 7})
    with CaptureQueriesContext(connection) as small:
        api.get("/orders", {"cursor": cursor, "perPage": 3})
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as large:
        api.get("/orders", {"cursor": cursor, "perPage": 20})

    assert any("COUNT(" in query["sql"].upper() for query in paged)  # the check can see a count
    for captured in (small, large):
        assert not [query["sql"] for query in captured if "COUNT(" in query["sql"].upper()]
    assert len(small) == len(large)


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_a_tampered_cursor_is_refused_naming_it(api, synced):
    real = api.get("/orders", {"updatedSince": "2019-12-31T00:00:00Z", "perPage": 7}).json()["nextCursor"]
    tampered = [
        real[: len(real) // 2],
        "X" + real[1:],
        "not a cursor",
        _cursor(["2020-01-01T00:00:00+00:00", "not-a-uuid"]),
        _cursor(["yesterday", str(uuid.uuid4())]),
        _cursor({"updatedAt": "2020-01-01T00:00:00+00:00"}),
        _cursor([1, 2]),
        _cursor(["2020-01-01T00:00:00+00:00"]),
        _cursor("ab"),
        base64.urlsafe_b64encode(b"\xff\xfe[").decode(),
        "",  # found by schemathesis: an empty cursor walked from the start
    ]
    for cursor in tampered:
        response = api.get("/orders", {"cursor": cursor, "perPage": 7})
        assert_refused(response, "cursor")


def test_a_cursor_with_a_time_without_zone_is_refused(api, synced):
    # Cursors the API hands out always carry a zone; one without was made by hand.
    cursor = _cursor(["2020-01-01T00:00:00", str(uuid.uuid4())])

    assert_refused(api.get("/orders", {"cursor": cursor}), "cursor")


@pytest.mark.parametrize("since", ["yesterday", "2020-01-01T00:00:00", "2020-02-30T00:00:00Z", ""])
def test_a_bad_updated_since_is_refused_naming_it(api, since):
    assert_refused(api.get("/orders", {"updatedSince": since}), "updatedSince")


def test_counting_stops_at_the_limit_and_says_so(api, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 5)
    for _ in range(7):
        api.create_order(factories.product())

    first = api.get("/orders", {"perPage": 2}).json()
    assert (first["totalItems"], first["totalItemsExact"], first["totalPages"]) == (5, False, 3)
    third = api.get("/orders", {"perPage": 2, "page": 3}).json()
    assert len(third["items"]) == 1  # the 5th match: pages end with the counted matches
    beyond = api.get("/orders", {"perPage": 2, "page": 4})
    assert beyond.status_code == 200
    assert meta_of(beyond) == {
        "page": 4,
        "perPage": 2,
        "totalItems": 5,
        "totalItemsExact": False,
        "totalPages": 3,
    }
    assert beyond.json()["items"] == []


def test_a_paging_parameter_given_twice_is_refused(api, orders):
    assert_refused(api.get("/orders?page=1&page=2"), "page")
    assert_refused(api.get("/orders?perPage=5&perPage=5"), "perPage")
