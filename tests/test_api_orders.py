"""The orders, offers, products and wallet endpoints over HTTP: each happy path and each refusal.

A partner quotes offers, creates an order from them (202, PENDING, lines RESERVING), polls it
until the worker has reserved every line (``finalize`` appears in ``availableActions``), may edit
it while PENDING, finalizes it (wallet debit, PROCESSING) and polls until FULFILLED. Refusals
are problems with their own codes, and a refused request changes nothing. Reads take a fixed
number of queries, whatever the page size or the number of lines.
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import IdempotencyRecord, Order
from suppliers.models import Offer, SupplierKind
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.errors import error_catalog
from tests import factories, inventory_support
from tests.api_support import client_for, travellers_json

pytestmark = pytest.mark.django_db
worker_db = pytest.mark.django_db(transaction=True)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].split(";")[0] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["errorCode"] == code
    assert code in error_catalog()
    assert body["status"] == status
    return body


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def balance(client) -> Decimal:
    [wallet] = client.get("/wallets").json()["items"]
    return Decimal(wallet["balance"]["amount"])


@pytest.fixture
def product(db):
    return factories.product(price="123.45")


@pytest.fixture
def order(api, product) -> dict:
    """A PENDING order of two lines whose reservations have not run (no worker)."""
    return api.create_order(product, 2)


@pytest.fixture
def reserved(api, product, worker) -> dict:
    """A PENDING order of two lines, every line RESERVED by the worker."""
    created = api.create_order(product, 2)
    worker()
    return api.get(f"/orders/{created['id']}").json()


# --- create and retrieve --------------------------------------------------------------------


def test_create_answers_202_with_location_and_the_pending_order(api, product):
    offer = api.quote(product, 2)
    before = timezone.now()

    response = api.post(
        "/orders",
        {
            "offers": [offer["id"]],
            "travellers": [
                {"givenName": "Ada", "familyName": "Lovelace", "id": "t-1"},
                {"givenName": "Alan", "familyName": "Turing", "bornOn": "1912-06-23"},
            ],
            "contact": {"name": "Grace Hopper", "email": "Grace.Hopper@Example.COM", "phone": "+4712345678"},
            "externalReference": "PO-2026-0042",
            "metadata": {"channel": "web", "basket": [1, 2]},
        },
        **{"X-Client-Name": "acme-web"},
    )

    assert response.status_code == 202, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/orders/{body['id']}"
    assert body["status"] == "PENDING"
    assert body["version"] >= 1
    assert [line["status"] for line in body["lines"]] == ["RESERVING", "RESERVING"]
    assert [line["price"] for line in body["lines"]] == [{"amount": "123.45", "currency": "EUR"}] * 2
    assert [(t["givenName"], t["familyName"]) for t in body["travellers"]] == [
        ("Ada", "Lovelace"),
        ("Alan", "Turing"),
    ]
    assert body["travellers"][0]["externalId"] == "t-1"
    assert body["travellers"][1]["bornOn"] == "1912-06-23"
    assert body["contact"] == {
        "name": "Grace Hopper",
        "email": "grace.hopper@example.com",
        "phone": "+4712345678",
        "language": "en",
    }
    assert body["externalReference"] == "PO-2026-0042"
    assert body["metadata"] == {"channel": "web", "basket": [1, 2]}
    assert body["clientName"] == "acme-web"
    assert body["total"] == {"amount": "246.90", "currency": "EUR"}
    expires_at = parse_time(body["expiresAt"])
    assert before + timedelta(minutes=19) < expires_at < timezone.now() + timedelta(minutes=21)
    assert [o["id"] for o in body["offers"]] == [offer["id"]]
    assert body["offers"][0]["quantity"] == 2
    assert body["offers"][0]["unitPrice"] == "123.45"
    assert body["offers"][0]["product"]["id"] == product.pk
    assert body["availableActions"] == ["update", "replaceTravellers", "cancel"]
    assert body["payments"] == [] and body["finalizedAt"] is None


def test_the_location_of_a_created_order_serves_that_order(api, product):
    offer = api.quote(product, 1)
    created = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})

    response = api.http.get(created["Location"])

    assert response.status_code == 200
    assert response.json()["id"] == created.json()["id"]
    assert response.json() == created.json()


def test_an_order_without_a_client_name_header_has_an_empty_client_name(order):
    assert order["clientName"] == ""


@worker_db
def test_after_the_worker_every_line_is_reserved_and_finalize_is_available(reserved):
    assert reserved["status"] == "PENDING"
    assert [line["status"] for line in reserved["lines"]] == ["RESERVED", "RESERVED"]
    assert reserved["availableActions"] == ["finalize", "update", "replaceTravellers", "cancel"]


@worker_db
def test_an_order_past_its_expiry_offers_no_finalize_even_before_the_sweep(api, reserved):
    """Found by a client written from the OpenAPI alone: until the expiry sweep ran, the order
    read PENDING with finalize offered, and finalize answered 409 ORDER_EXPIRED."""
    Order.objects.filter(pk=reserved["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    order = api.get(f"/orders/{reserved['id']}").json()
    finalize = api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet"})

    assert order["status"] == "PENDING"
    assert order["availableActions"] == ["update", "replaceTravellers", "cancel"]
    assert finalize.json()["errorCode"] == "ORDER_EXPIRED"


def test_an_order_not_yet_reserved_does_not_offer_finalize(api, order):
    assert "finalize" not in api.get(f"/orders/{order['id']}").json()["availableActions"]


# --- offers ---------------------------------------------------------------------------------


def test_quoting_an_offer_answers_201_with_its_price_and_expiry(api, product):
    before = timezone.now()

    response = api.post("/offers", {"productId": product.pk, "quantity": 3})

    assert response.status_code == 201, response.json()
    offer = response.json()
    assert offer["productId"] == product.pk
    assert offer["quantity"] == 3
    assert offer["unitPrice"] == {"amount": "123.45", "currency": "EUR"}
    assert offer["total"] == {"amount": "370.35", "currency": "EUR"}
    assert offer["snapshot"]["product"]["name"] == product.name
    assert offer["usedAt"] is None
    assert (
        before + timedelta(minutes=29)
        < parse_time(offer["expiresAt"])
        < timezone.now() + timedelta(minutes=31)
    )


def test_an_offer_can_be_read_back_and_shows_when_it_was_used(api, product):
    offer = api.quote(product, 1)
    assert api.get(f"/offers/{offer['id']}").json()["usedAt"] is None

    api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})

    read = api.get(f"/offers/{offer['id']}")
    assert read.status_code == 200
    assert read.json()["id"] == offer["id"]
    assert read.json()["usedAt"] is not None


def test_quoting_an_unknown_product_is_404(api):
    assert_problem(api.post("/offers", {"productId": 999_999, "quantity": 1}), 404, "PRODUCT_NOT_FOUND")


def test_ordering_an_expired_offer_is_409_offer_expired(api, product):
    offer = api.quote(product, 1)
    Offer.objects.filter(pk=offer["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})

    body = assert_problem(response, 409, "OFFER_EXPIRED")
    assert body["context"]["offer"] == offer["id"]
    assert Order.objects.count() == 0


def test_ordering_an_offer_already_ordered_is_409_offer_already_used(api, product):
    offer = api.quote(product, 1)
    first = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})
    assert first.status_code == 202

    response = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})

    body = assert_problem(response, 409, "OFFER_ALREADY_USED")
    assert body["context"]["offer"] == offer["id"]
    assert Order.objects.count() == 1


def test_ordering_an_offer_that_does_not_exist_is_404_offer_not_found(api):
    missing = str(uuid.uuid4())

    response = api.post("/orders", {"offers": [missing], "travellers": travellers_json(1)})

    body = assert_problem(response, 404, "OFFER_NOT_FOUND")
    assert body["context"]["offers"] == [missing]


def test_ordering_tickets_without_enough_travellers_is_400(api, product):
    offer = api.quote(product, 2)

    response = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})

    assert_problem(response, 400, "INVALID_TRAVELLERS")
    assert Offer.objects.get(pk=offer["id"]).used_at is None


# --- products -------------------------------------------------------------------------------


def test_products_are_listed_with_their_price(api, product):
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])

    response = api.get("/products")

    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()["items"]}
    assert items[product.pk]["price"] == {"amount": "123.45", "currency": "EUR"}
    assert items[product.pk]["kind"] == "rail"
    assert items[voucher.pk]["price"] is None
    assert items[voucher.pk]["denominations"] == ["25.00", "50.00"]
    assert response.json()["totalItems"] == 2


def test_products_can_be_filtered_by_kind(api, product):
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"])

    response = api.get("/products", {"kind": "voucher"})

    assert [item["id"] for item in response.json()["items"]] == [voucher.pk]


def test_a_product_says_whether_its_orders_need_a_traveller_per_unit(api, product):
    """Found by a client written from the OpenAPI alone: only INVALID_TRAVELLERS told it."""
    event = factories.product(kind=SupplierKind.EVENT)
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])

    listed = {item["id"]: item for item in api.get("/products").json()["items"]}

    assert [listed[p.pk]["travellerPerUnit"] for p in (product, event, voucher)] == [True, False, False]
    assert listed[voucher.pk]["denominations"] == ["25.00", "50.00"]


def test_a_product_no_longer_sold_is_not_listed_nor_found(api, product):
    product.is_active = False
    product.save(update_fields=["is_active"])

    assert api.get("/products").json()["items"] == []
    assert_problem(api.get(f"/products/{product.pk}"), 404, "PRODUCT_NOT_FOUND")


def test_a_product_can_be_retrieved(api, product):
    response = api.get(f"/products/{product.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == product.pk
    assert response.json()["name"] == product.name
    assert response.json()["fromPlace"] == "Oslo S"


def test_an_unknown_product_is_404(api):
    assert_problem(api.get("/products/999999"), 404, "PRODUCT_NOT_FOUND")


# --- editing while PENDING ------------------------------------------------------------------


def test_patching_contact_reference_and_metadata_changes_them_and_keeps_version_1(api, order):
    response = api.patch(
        f"/orders/{order['id']}",
        {
            "contact": {"name": "Ada", "email": "ADA@Example.org", "phone": "+47 1"},
            "externalReference": "PO-NEW",
            "metadata": {"crm": "42"},
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["contact"] == {"name": "Ada", "email": "ada@example.org", "phone": "+47 1", "language": "en"}
    assert body["externalReference"] == "PO-NEW"
    assert body["metadata"] == {"crm": "42"}
    assert body["version"] == order["version"] == 1
    assert api.get(f"/orders/{order['id']}").json() == body


def test_patching_only_the_external_reference_leaves_the_rest(api, order):
    response = api.patch(f"/orders/{order['id']}", {"externalReference": "ONLY-THIS"})

    body = response.json()
    assert body["externalReference"] == "ONLY-THIS"
    assert body["contact"] == order["contact"]
    assert body["metadata"] == order["metadata"]
    assert body["version"] == order["version"] == 1


def test_patching_expires_at_moves_the_expiry(api, order):
    wanted = (timezone.now() + timedelta(days=7)).replace(microsecond=0)

    response = api.patch(f"/orders/{order['id']}", {"expiresAt": wanted.isoformat()})

    assert response.status_code == 200, response.json()
    assert parse_time(response.json()["expiresAt"]) == wanted
    assert response.json()["version"] == order["version"] == 1


@pytest.mark.parametrize(
    "when",
    [timedelta(minutes=-5), timedelta(days=190), "no zone", "a bare date"],
    ids=["in-the-past", "over-six-months", "no-zone", "date-only"],
)
def test_an_expiry_in_the_past_or_too_far_is_400_invalid_expiry_and_changes_nothing(api, order, when):
    tomorrow = timezone.now() + timedelta(days=1)
    sent = {
        "no zone": tomorrow.replace(tzinfo=None).isoformat(),  # found by a client written from the schema:
        "a bare date": tomorrow.date().isoformat(),  # both were read as UTC
    }.get(when) or (timezone.now() + when).isoformat()

    response = api.patch(f"/orders/{order['id']}", {"expiresAt": sent})

    assert_problem(response, 400, "INVALID_EXPIRY")
    after = api.get(f"/orders/{order['id']}").json()
    assert after["expiresAt"] == order["expiresAt"]
    assert after["version"] == order["version"]


def test_an_empty_patch_is_400(api, order):
    assert_problem(api.patch(f"/orders/{order['id']}", {}), 400, "VALIDATION_FAILED")


def test_replacing_travellers_puts_the_new_ones_on_the_lines(api, order):
    response = api.put(
        f"/orders/{order['id']}/travellers",
        {
            "travellers": [
                {"givenName": "Kari", "familyName": "Nordmann"},
                {"givenName": "Ola", "familyName": "Nordmann"},
            ]
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [t["givenName"] for t in body["travellers"]] == ["Kari", "Ola"]
    assert [line["travellerId"] for line in body["lines"]] == [t["id"] for t in body["travellers"]]
    assert body["version"] == order["version"] == 1


def test_replacing_travellers_with_too_few_is_400_and_keeps_the_old_ones(api, order):
    response = api.put(f"/orders/{order['id']}/travellers", {"travellers": travellers_json(1)})

    assert_problem(response, 400, "INVALID_TRAVELLERS")
    assert api.get(f"/orders/{order['id']}").json()["travellers"] == order["travellers"]


@worker_db
def test_after_finalize_every_edit_is_409_order_not_editable_and_changes_nothing(api, reserved):
    finalized = api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet"}).json()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    edits = [
        ("patch", f"/orders/{reserved['id']}", {"contact": {"email": "x@example.com"}}),
        ("patch", f"/orders/{reserved['id']}", {"externalReference": "LATE"}),
        ("patch", f"/orders/{reserved['id']}", {"metadata": {"late": True}}),
        ("patch", f"/orders/{reserved['id']}", {"expiresAt": future}),
        ("put", f"/orders/{reserved['id']}/travellers", {"travellers": travellers_json(2)}),
    ]

    for method, path, body in edits:
        problem = assert_problem(getattr(api, method)(path, body), 409, "ORDER_NOT_EDITABLE")
        assert problem["retryable"] is False

    assert api.get(f"/orders/{reserved['id']}").json() == finalized


# --- finalize -------------------------------------------------------------------------------


@worker_db
def test_finalizing_with_the_wallet_answers_processing_then_the_worker_fulfils(api, reserved, worker):
    response = api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet", "expectedTotal": "246.90"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "PROCESSING"
    assert body["paymentMethod"] == "wallet"
    assert body["finalizedAt"] is not None
    assert [p["amount"] for p in body["payments"]] == [{"amount": "246.90", "currency": "EUR"}]
    assert body["availableActions"] == []
    assert body["expiresAt"] is None

    worker()

    done = api.get(f"/orders/{reserved['id']}").json()
    assert done["status"] == "FULFILLED"
    assert {line["status"] for line in done["lines"]} == {"ISSUED"}


@worker_db
def test_finalizing_debits_the_wallet_by_the_total_and_the_ledger_lists_the_debit(api, reserved, worker):
    assert balance(api) == Decimal("1000.00")

    api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet"})
    worker()

    assert balance(api) == Decimal("753.10")
    ledger = api.get("/wallets/EUR/ledger").json()
    assert ledger["totalItems"] == 2
    debit = ledger["items"][0]
    assert debit["kind"] == "debit"
    assert debit["orderId"] == reserved["id"]
    assert debit["amount"] == {"amount": "-246.90", "currency": "EUR"}
    assert debit["balanceAfter"] == {"amount": "753.10", "currency": "EUR"}
    assert ledger["items"][1]["kind"] == "top_up"


@worker_db
def test_an_expected_total_that_differs_is_409_price_changed_with_the_real_total(api, reserved):
    response = api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet", "expectedTotal": "200.00"})

    body = assert_problem(response, 409, "PRICE_CHANGED")
    assert body["context"] == {"total": "246.90", "currency": "EUR"}
    assert api.get(f"/orders/{reserved['id']}").json()["status"] == "PENDING"
    assert balance(api) == Decimal("1000.00")


def test_finalizing_before_every_line_is_reserved_is_409_order_not_ready_and_retryable(api, order):
    response = api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"})

    body = assert_problem(response, 409, "ORDER_NOT_READY")
    assert body["retryable"] is True
    assert api.get(f"/orders/{order['id']}").json()["status"] == "PENDING"
    assert balance(api) == Decimal("1000.00")


@worker_db
def test_finalizing_beyond_the_wallet_balance_is_402_insufficient_balance(product, worker):
    poor = client_for(factories.partner(wallet="100.00"))
    created = poor.create_order(product, 1)
    worker()

    response = poor.post(f"/orders/{created['id']}/finalize", {"method": "wallet"})

    body = assert_problem(response, 402, "INSUFFICIENT_BALANCE")
    assert body["retryable"] is True
    assert poor.get(f"/orders/{created['id']}").json()["status"] == "PENDING"
    assert balance(poor) == Decimal("100.00")


def test_finalizing_with_a_billing_mode_not_enabled_is_403(api, order):
    response = api.post(f"/orders/{order['id']}/finalize", {"method": "invoice"})

    assert_problem(response, 403, "BILLING_MODE_NOT_ALLOWED")
    assert api.get(f"/orders/{order['id']}").json()["status"] == "PENDING"


def test_finalizing_with_an_unknown_method_is_400(api, order):
    response = api.post(f"/orders/{order['id']}/finalize", {"method": "cash"})

    body = assert_problem(response, 400, "VALIDATION_FAILED")
    assert set(body["errors"]) == {"method"}


# --- cancel ---------------------------------------------------------------------------------


def test_canceling_a_pending_order_cancels_it_and_releases_its_lines(api, order):
    response = api.post(f"/orders/{order['id']}/cancel", {"reason": "customer changed plans"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "CANCELED"
    assert {line["status"] for line in body["lines"]} == {"RELEASED"}
    assert body["availableActions"] == []


@worker_db
def test_canceling_a_processing_order_is_409_invalid_state(api, reserved):
    api.post(f"/orders/{reserved['id']}/finalize", {"method": "wallet"})

    response = api.post(f"/orders/{reserved['id']}/cancel", {})

    body = assert_problem(response, 409, "INVALID_STATE")
    assert body["context"]["status"] == "PROCESSING"
    assert api.get(f"/orders/{reserved['id']}").json()["status"] == "PROCESSING"


# --- events ---------------------------------------------------------------------------------


def test_events_list_the_audit_trail_with_the_correlation_id_of_each_request(api, product):
    offer = api.quote(product, 1)
    created = api.post(
        "/orders",
        {"offers": [offer["id"]], "travellers": travellers_json(1)},
        **{"X-Correlation-Id": "corr-create"},
    ).json()
    api.patch(f"/orders/{created['id']}", {"externalReference": "R"}, **{"X-Correlation-Id": "corr-patch"})
    api.post(f"/orders/{created['id']}/cancel", {"reason": "r"}, **{"X-Correlation-Id": "corr-cancel"})

    response = api.get(f"/orders/{created['id']}/events")

    assert response.status_code == 200
    events = response.json()["items"]
    by_transition = {(e["subjectType"], e["transition"]): e for e in events}
    assert by_transition[("order", "order.created")]["correlationId"] == "corr-create"
    assert by_transition[("order", "order.details_updated")]["correlationId"] == "corr-patch"
    assert by_transition[("order", "order.canceled")]["correlationId"] == "corr-cancel"
    assert by_transition[("order", "order.canceled")]["toStatus"] == "CANCELED"
    assert by_transition[("line", "line.released")]["correlationId"] == "corr-cancel"
    assert by_transition[("order", "order.created")]["actor"]["kind"] == "partner"
    assert [e["transition"] for e in events][:2] == ["order.created", "order.details_updated"]


def test_events_are_paginated(api, order):
    api.patch(f"/orders/{order['id']}", {"externalReference": "one"})
    api.patch(f"/orders/{order['id']}", {"externalReference": "two"})

    first = api.get(f"/orders/{order['id']}/events", {"perPage": 2}).json()
    second = api.get(f"/orders/{order['id']}/events", {"perPage": 2, "page": 2}).json()

    assert first["totalItems"] == 3
    assert first["totalPages"] == 2
    assert [e["transition"] for e in first["items"]] == ["order.created", "order.details_updated"]
    assert [e["transition"] for e in second["items"]] == ["order.details_updated"]
    assert second["items"][0]["id"] not in {e["id"] for e in first["items"]}


def test_events_refuse_an_unknown_parameter(api, order):
    body = assert_problem(api.get(f"/orders/{order['id']}/events", {"sort": "x"}), 400, "INVALID_FILTER")
    assert set(body["errors"]) == {"sort"}


# --- wallet ---------------------------------------------------------------------------------


def test_the_wallet_shows_its_balance(api):
    response = api.get("/wallets")

    assert response.status_code == 200
    [wallet] = response.json()["items"]
    assert wallet["currency"] == "EUR"
    assert wallet["balance"] == {"amount": "1000.00", "currency": "EUR"}


def test_the_ledger_of_a_currency_without_a_wallet_is_404(api):
    assert_problem(api.get("/wallets/USD/ledger"), 404, "WALLET_NOT_FOUND")


# --- query counts ---------------------------------------------------------------------------

LIST_QUERIES = 8
RETRIEVE_QUERIES = 7
# 17 for the order itself, and 2 for webhooks: its outbox row, and the dispatcher task queued on
# commit (at most once per process per WEBHOOK_DISPATCH_DELAY in production; 0 s in tests).
CREATE_QUERIES = 19


def count_queries(django_assert_max_num_queries, bound: int, call) -> int:
    with django_assert_max_num_queries(bound) as captured:
        response = call()
    assert response.status_code in (200, 202), response.json()
    return len(captured)


def make_orders(partner, product, count: int, quantity: int = 1) -> list[Order]:
    return [factories.order(owner=partner, product_obj=product, quantity=quantity) for _ in range(count)]


def test_listing_5_or_50_orders_takes_the_same_queries(api, product, django_assert_max_num_queries):
    make_orders(api.partner, product, 5, quantity=2)
    api.get("/orders")  # the key's first use records last_used_at once
    five = count_queries(
        django_assert_max_num_queries, LIST_QUERIES, lambda: api.get("/orders", {"perPage": 50})
    )

    make_orders(api.partner, product, 45, quantity=2)
    listed = api.get("/orders", {"perPage": 50}).json()
    fifty = count_queries(
        django_assert_max_num_queries, LIST_QUERIES, lambda: api.get("/orders", {"perPage": 50})
    )

    assert len(listed["items"]) == 50
    assert fifty == five


def test_listing_orders_of_1_or_10_lines_takes_the_same_queries(api, product, django_assert_max_num_queries):
    make_orders(api.partner, product, 3, quantity=1)
    api.get("/orders")
    one_line = count_queries(django_assert_max_num_queries, LIST_QUERIES, lambda: api.get("/orders"))

    Order.objects.all().delete()
    make_orders(api.partner, product, 3, quantity=10)
    ten_lines = count_queries(django_assert_max_num_queries, LIST_QUERIES, lambda: api.get("/orders"))

    assert ten_lines == one_line


def test_listing_orders_in_sync_mode_is_bounded(api, product, django_assert_max_num_queries):
    make_orders(api.partner, product, 20, quantity=3)
    api.get("/orders")

    count_queries(
        django_assert_max_num_queries,
        LIST_QUERIES,
        lambda: api.get("/orders", {"updatedSince": "2000-01-01T00:00:00Z", "perPage": 100}),
    )


def test_retrieving_an_order_of_1_or_10_lines_takes_the_same_queries(
    api, product, django_assert_max_num_queries
):
    small = factories.order(owner=api.partner, product_obj=product, quantity=1)
    large = factories.order(owner=api.partner, product_obj=product, quantity=10)
    api.get("/orders")

    one_line = count_queries(
        django_assert_max_num_queries, RETRIEVE_QUERIES, lambda: api.get(f"/orders/{small.pk}")
    )
    ten_lines = count_queries(
        django_assert_max_num_queries, RETRIEVE_QUERIES, lambda: api.get(f"/orders/{large.pk}")
    )

    assert ten_lines == one_line


def test_creating_an_order_is_bounded_whatever_its_line_count(
    api, product, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    small, large = api.quote(product, 1), api.quote(product, 10)
    counts = []

    for offer, quantity in ((small, 1), (large, 10)):
        body = {"offers": [offer["id"]], "travellers": travellers_json(quantity)}
        with django_assert_max_num_queries(CREATE_QUERIES) as captured:
            with django_capture_on_commit_callbacks(execute=True):
                response = api.post("/orders", body)
        assert response.status_code == 202, response.json()
        counts.append(len(captured))

    assert Order.objects.count() == 2
    assert counts[1] == counts[0], f"creating 1 line took {counts[0]} queries, 10 lines took {counts[1]}"


@pytest.mark.parametrize("quantity", [1, 3])
def test_the_create_answer_is_the_order_as_reading_it_shows_it(api, product, quantity):
    offer = api.quote(product, quantity)
    body = {
        "offers": [offer["id"]],
        "travellers": travellers_json(quantity),
        "contact": {"name": "Kari", "email": "Kari@Example.com", "phone": "+47 22 00 00 00"},
        "externalReference": "PO-77",
        "metadata": {"basket": [1, 2], "note": "æøå"},
    }

    created = api.post("/orders", body)

    assert created.status_code == 202, created.json()
    assert created.json() == api.get(f"/orders/{created.json()['id']}").json()


def test_the_create_answer_of_an_order_from_stock_is_the_order_as_reading_it_shows_it(api):
    product = inventory_support.stock_product(codes=2)
    offer = api.quote(product, 2, denomination="20.00")

    created = api.post("/orders", {"offers": [offer["id"]]})

    assert created.status_code == 202, created.json()
    assert {line["subStatus"] for line in created.json()["lines"]} == {"stock_allocated"}
    assert created.json() == api.get(f"/orders/{created.json()['id']}").json()


@worker_db
def test_a_replayed_create_answers_the_order_as_it_is_now(api, product, worker):
    offer = api.quote(product, 1)
    body = {"offers": [offer["id"]], "travellers": travellers_json(1)}
    first = api.post("/orders", body, key="create-once")
    worker()  # the order moves on: its line is RESERVED
    IdempotencyRecord.objects.filter(key="create-once").delete()  # as after the keys' retention

    again = api.post("/orders", body, key="create-once")

    assert again.status_code == 202, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert [line["status"] for line in again.json()["lines"]] == ["RESERVED"]
