"""Idempotency-Key on every write of the partner API, seen over HTTP.

Given a partner with an API key, when it repeats a write with the same Idempotency-Key, then it
gets the first answer again (marked ``Idempotent-Replayed: true``) and nothing happens twice; a
key reused for something else is a 422, a key still running is a 409 with Retry-After, a 5xx is
not kept so the retry runs again, and keys older than 48 hours are forgotten.
"""

import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.utils import timezone
from rest_framework.test import APIClient

from orders import tasks
from orders.models import IdempotencyRecord, IdempotencyState, Order, OrderEvent
from orders.services import creation
from orders.services import idempotency as idempotency_records
from orders.services.idempotency import idempotency_prune
from partner_api import selectors as order_selectors
from payments.models import Wallet
from suppliers.models import Offer
from suppliers.services import offer_quote
from tessera.actors import Actor
from tessera.api import idempotency
from tests import factories
from tests.api_support import travellers_json
from tests.threads import run_concurrently

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
REPLAYED = "Idempotent-Replayed"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["errorCode"] == code
    return body


def orders_of(partner) -> list[Order]:
    return list(Order.objects.filter(partner=partner))


def order_body(offer_id: str, quantity: int = 1, **extra) -> dict:
    return {"offers": [offer_id], "travellers": travellers_json(quantity), **extra}


def balance(partner) -> Decimal:
    return Wallet.objects.get(partner=partner).balance


# --- a missing key -----------------------------------------------------------------------------


@pytest.fixture
def pending(api):
    """A PENDING order of ``api`` and a fresh offer it has not ordered yet."""
    product = factories.product()
    order = api.create_order(product, 1, externalReference="before")
    return {"order": order, "product": product, "offer": api.quote(product, 1)}


def _write_without_key(api, pending, endpoint: str):
    order_id = pending["order"]["id"]
    requests = {
        "quote": ("post", "/api/v1/offers", {"productId": pending["product"].pk, "quantity": 1}),
        "create": ("post", "/api/v1/orders", order_body(pending["offer"]["id"])),
        "update": ("patch", f"/api/v1/orders/{order_id}", {"externalReference": "after"}),
        "travellers": (
            "put",
            f"/api/v1/orders/{order_id}/travellers",
            {"travellers": [{"givenName": "Grace", "familyName": "Hopper"}]},
        ),
        "finalize": ("post", f"/api/v1/orders/{order_id}/finalize", {"method": "wallet"}),
        "cancel": ("post", f"/api/v1/orders/{order_id}/cancel", {"reason": "changed my mind"}),
    }
    method, path, body = requests[endpoint]
    return getattr(api.http, method)(path, body, format="json")


def _state_of(api, order_id) -> dict:
    order = Order.objects.get(pk=order_id)
    return {
        "offers": Offer.objects.filter(partner=api.partner).count(),
        "orders": Order.objects.filter(partner=api.partner).count(),
        "status": order.status,
        "version": order.version,
        "externalReference": order.external_reference,
        "travellers": list(order.travellers.values_list("given_name", "family_name")),
        "events": OrderEvent.objects.filter(order=order).count(),
        "balance": balance(api.partner),
        "keys": IdempotencyRecord.objects.filter(partner=api.partner).count(),
    }


@pytest.mark.parametrize("endpoint", ["quote", "create", "update", "travellers", "finalize", "cancel"])
def test_a_write_without_idempotency_key_is_refused_and_changes_nothing(api, pending, endpoint):
    before = _state_of(api, pending["order"]["id"])

    response = _write_without_key(api, pending, endpoint)

    body = assert_problem(response, 400, "IDEMPOTENCY_KEY_MISSING")
    assert "Idempotency-Key" in body["detail"]
    assert _state_of(api, pending["order"]["id"]) == before


def test_a_blank_key_counts_as_missing(api):
    product = factories.product()

    response = api.post("/offers", {"productId": product.pk}, key="   ")

    assert_problem(response, 400, "IDEMPOTENCY_KEY_MISSING")
    assert not Offer.objects.filter(partner=api.partner).exists()


# --- the same key and the same body: a replay ------------------------------------------------


def test_repeated_order_creation_replays_the_first_answer_and_makes_one_order(api):
    offer = api.quote(factories.product(), 1)
    body = order_body(offer["id"], externalReference="PO-1")
    first = api.post("/orders", body, key="create-1")
    assert first.status_code == 202, first.json()
    assert REPLAYED not in first
    # the order moves on before the partner retries: the replay is the first answer, not a re-read
    changed = api.patch(f"/orders/{first.json()['id']}", {"externalReference": "PO-2"})
    assert changed.status_code == 200, changed.json()

    again = api.post("/orders", body, key="create-1")

    assert again.status_code == 202
    assert again[REPLAYED] == "true"
    assert again["Location"] == first["Location"] == f"/api/v1/orders/{first.json()['id']}"
    assert again["Content-Type"].startswith("application/json")
    assert again.json() == first.json()
    assert again.json()["externalReference"] == "PO-1"
    assert [o.pk for o in orders_of(api.partner)] == [uuid.UUID(first.json()["id"])]


def test_repeated_quote_replays_the_same_offer(api):
    product = factories.product()

    first = api.post("/offers", {"productId": product.pk, "quantity": 2}, key="quote-1")
    again = api.post("/offers", {"productId": product.pk, "quantity": 2}, key="quote-1")

    assert first.status_code == again.status_code == 201
    assert again[REPLAYED] == "true"
    assert again.json() == first.json()
    assert Offer.objects.filter(partner=api.partner).count() == 1


def test_the_same_body_with_its_fields_in_another_order_is_a_replay(api):
    product = factories.product()

    first = api.post("/offers", {"productId": product.pk, "quantity": 2}, key="quote-2")
    again = api.post("/offers", {"quantity": 2, "productId": product.pk}, key="quote-2")

    assert again.status_code == 201
    assert again[REPLAYED] == "true"
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"externalReference": "PO-9", "contact": {"email": "ops@example.com"}}),
        ("put", "/travellers", {"travellers": [{"givenName": "Grace", "familyName": "Hopper"}]}),
        ("post", "/cancel", {"reason": "duplicate"}),
    ],
    ids=["update", "travellers", "cancel"],
)
def test_repeated_order_change_replays_and_applies_once(api, pending, method, suffix, body):
    path = f"/orders/{pending['order']['id']}{suffix}"
    first = api.write(method, path, body, key="change-1")
    assert first.status_code == 200, first.json()
    events = OrderEvent.objects.filter(order_id=pending["order"]["id"]).count()
    version = Order.objects.get(pk=pending["order"]["id"]).version

    again = api.write(method, path, body, key="change-1")

    # a second cancel would be a 409 INVALID_STATE if it ran again; a replay answers 200 as before
    assert again.status_code == 200
    assert again[REPLAYED] == "true"
    assert again.json() == first.json()
    assert OrderEvent.objects.filter(order_id=pending["order"]["id"]).count() == events
    assert Order.objects.get(pk=pending["order"]["id"]).version == version


# --- the same key for something else --------------------------------------------------------


def test_same_key_with_another_body_is_refused_and_creates_nothing(api):
    product = factories.product()
    first_offer, second_offer = api.quote(product, 1), api.quote(product, 1)
    first = api.post("/orders", order_body(first_offer["id"]), key="create-2")
    assert first.status_code == 202

    reused = api.post("/orders", order_body(second_offer["id"]), key="create-2")

    body = assert_problem(reused, 422, "IDEMPOTENCY_KEY_REUSED")
    assert REPLAYED not in reused
    assert len(orders_of(api.partner)) == 1
    assert Offer.objects.get(pk=second_offer["id"]).used_at is None
    assert body["retryable"] is False


def test_same_key_on_another_endpoint_is_refused(api, pending):
    offer = api.quote(pending["product"], 1)
    quoted = api.post("/offers", {"productId": pending["product"].pk}, key="shared-1")
    assert quoted.status_code == 201
    order_id = pending["order"]["id"]
    canceled = api.post(f"/orders/{order_id}/cancel", {}, key="shared-2")
    assert canceled.status_code == 200

    as_order = api.post("/orders", order_body(offer["id"]), key="shared-1")
    # the same body on another method of the same order is another endpoint too
    as_update = api.patch(f"/orders/{order_id}", {}, key="shared-2")

    assert_problem(as_order, 422, "IDEMPOTENCY_KEY_REUSED")
    assert_problem(as_update, 422, "IDEMPOTENCY_KEY_REUSED")
    assert len(orders_of(api.partner)) == 1
    assert Offer.objects.get(pk=offer["id"]).used_at is None


def test_keys_are_scoped_per_partner(api, other_api):
    product = factories.product()
    mine = api.post("/offers", {"productId": product.pk, "quantity": 1}, key="shared-key")
    assert mine.status_code == 201

    # the other partner uses the same key string, with the same body and then another body
    theirs = other_api.post("/offers", {"productId": product.pk, "quantity": 1}, key="shared-key")
    their_replay = other_api.post("/offers", {"productId": product.pk, "quantity": 1}, key="shared-key")
    my_replay = api.post("/offers", {"productId": product.pk, "quantity": 1}, key="shared-key")

    assert theirs.status_code == 201
    assert REPLAYED not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert their_replay.json() == theirs.json()
    assert my_replay.json() == mine.json()
    assert Offer.objects.get(pk=theirs.json()["id"]).partner == other_api.partner
    assert Offer.objects.filter(partner=api.partner).count() == 1
    assert Offer.objects.filter(partner=other_api.partner).count() == 1


# --- client errors are kept, server errors are not -------------------------------------------


def test_a_client_error_is_replayed_too(api):
    product = factories.product()
    body = {"offers": [str(uuid.uuid4())], "travellers": travellers_json(1)}
    first = api.post("/orders", body, key="missing-offer")
    assert_problem(first, 404, "OFFER_NOT_FOUND")

    again = api.post("/orders", body, key="missing-offer")

    assert_problem(again, 404, "OFFER_NOT_FOUND")
    assert again[REPLAYED] == "true"
    assert again.json() == first.json()
    assert api.quote(product)  # the partner is not stuck: other keys work
    assert not orders_of(api.partner)


@pytest.mark.django_db(transaction=True)
def test_refused_finalize_is_replayed_after_the_price_is_fixed_while_a_new_key_re_evaluates(api, worker):
    order = api.create_order(factories.product(price="100.00"), 1)
    worker()
    path = f"/orders/{order['id']}/finalize"
    body = {"method": "wallet", "expectedTotal": "90.00"}
    refused = api.post(path, body, key="finalize-1")
    assert_problem(refused, 409, "PRICE_CHANGED")
    # the situation changes: the order's total is now what the partner expected
    Order.objects.filter(pk=order["id"]).update(total_amount=Decimal("90.00"))

    replayed = api.post(path, body, key="finalize-1")
    fresh = api.post(path, body, key="finalize-2")

    assert_problem(replayed, 409, "PRICE_CHANGED")
    assert replayed[REPLAYED] == "true"
    assert replayed.json() == refused.json()
    assert fresh.status_code == 200, fresh.json()
    assert REPLAYED not in fresh
    assert fresh.json()["status"] == "PROCESSING"
    assert balance(api.partner) == Decimal("910.00")


@pytest.mark.django_db(transaction=True)
def test_repeated_finalize_debits_the_wallet_once(api, worker):
    order = api.create_order(factories.product(price="100.00"), 1)
    worker()
    path = f"/orders/{order['id']}/finalize"

    first = api.post(path, {"method": "wallet", "expectedTotal": "100.00"}, key="pay-1")
    again = api.post(path, {"method": "wallet", "expectedTotal": "100.00"}, key="pay-1")

    assert first.status_code == again.status_code == 200
    assert again[REPLAYED] == "true"
    assert again.json() == first.json()
    assert balance(api.partner) == Decimal("900.00")


def _fail_once(monkeypatch, module, name: str) -> list:
    real = getattr(module, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(name)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


def test_a_server_error_is_not_kept_and_the_retry_runs_again(api, monkeypatch):
    offer = api.quote(factories.product(), 1)
    calls = _fail_once(monkeypatch, creation, "order_create")
    body = order_body(offer["id"])
    failed = api.post("/orders", body, key="create-5xx")
    assert_problem(failed, 500, "INTERNAL_ERROR")
    assert not IdempotencyRecord.objects.filter(partner=api.partner, key="create-5xx").exists()

    retried = api.post("/orders", body, key="create-5xx")

    assert retried.status_code == 202, retried.json()
    assert REPLAYED not in retried
    assert len(calls) == 2
    assert [str(o.pk) for o in orders_of(api.partner)] == [retried.json()["id"]]


def test_a_server_error_after_the_order_was_made_takes_the_order_back_and_the_retry_makes_it(
    api, monkeypatch
):
    offer = api.quote(factories.product(), 1)
    _fail_once(monkeypatch, order_selectors, "order_details")  # the answer, after the work
    body = order_body(offer["id"])
    failed = api.post("/orders", body, key="create-late-5xx")
    assert_problem(failed, 500, "INTERNAL_ERROR")
    assert orders_of(api.partner) == []  # the order and the key's answer commit together, or neither

    retried = api.post("/orders", body, key="create-late-5xx")

    assert retried.status_code == 202, retried.json()
    assert [str(o.pk) for o in orders_of(api.partner)] == [retried.json()["id"]]


def test_a_write_whose_answer_could_not_be_stored_is_undone_so_its_retry_succeeds(api, pending, monkeypatch):
    """Found by the load suite restarting PostgreSQL: a cancel (or finalize) whose work committed
    but whose answer was lost was retried with its key into 409 INVALID_STATE, as if it had
    failed. Now the work and the answer commit together."""
    order_id = pending["order"]["id"]
    real = idempotency_records.idempotency_complete
    attempts = []

    def database_gone_at_the_answer(**kwargs):
        attempts.append(kwargs["record_id"])
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(idempotency_records, "idempotency_complete", database_gone_at_the_answer)
    path = f"/orders/{order_id}/cancel"

    cut_off = api.post(path, {"reason": "changed my mind"}, key="cancel-cut-off")
    assert_problem(cut_off, 503, "SERVICE_UNAVAILABLE")
    assert Order.objects.get(pk=order_id).status == "PENDING", "the cancel must not outlive its lost answer"

    retried = api.post(path, {"reason": "changed my mind"}, key="cancel-cut-off")

    assert retried.status_code == 200, retried.json()
    assert retried.json()["status"] == "CANCELED"
    cancels = OrderEvent.objects.filter(order_id=order_id, subject_type="order", transition="order.canceled")
    assert cancels.count() == 1


# --- a key still running, and one abandoned ---------------------------------------------------


def _claim(api, key: str, body: dict, *, locked_for: timedelta) -> IdempotencyRecord:
    """The row a request leaves while it runs (or after its process crashed)."""
    return IdempotencyRecord.objects.create(
        partner=api.partner,
        key=key,
        endpoint="POST /api/v1/orders",
        request_hash=idempotency.hash_body(body),
        state=IdempotencyState.IN_PROGRESS,
        locked_until=timezone.now() + locked_for,
    )


def test_a_key_still_running_is_409_with_retry_after(api):
    offer = api.quote(factories.product(), 1)
    body = order_body(offer["id"])
    _claim(api, "running", body, locked_for=timedelta(seconds=30))

    response = api.post("/orders", body, key="running")

    problem = assert_problem(response, 409, "IDEMPOTENCY_KEY_IN_USE")
    assert problem["retryable"] is True
    assert int(response["Retry-After"]) >= 1
    assert REPLAYED not in response
    assert not orders_of(api.partner)
    assert Offer.objects.get(pk=offer["id"]).used_at is None


def test_an_abandoned_key_is_taken_over_and_returns_the_order_it_had_made(api):
    product = factories.product()
    offer = api.quote(product, 1)
    body = order_body(offer["id"])
    claim = _claim(api, "crashed", body, locked_for=timedelta(seconds=30))
    # the crashed request got as far as making the order
    made = creation.order_create(
        partner=api.partner,
        offer_ids=[uuid.UUID(offer["id"])],
        travellers=factories.travellers(1),
        idempotency_key="crashed",
        actor=Actor.partner(api.partner),
    )
    assert api.post("/orders", body, key="crashed").status_code == 409
    IdempotencyRecord.objects.filter(pk=claim.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    taken_over = api.post("/orders", body, key="crashed")
    replayed = api.post("/orders", body, key="crashed")

    assert taken_over.status_code == 202, taken_over.json()
    assert taken_over.json()["id"] == str(made.pk)
    assert taken_over["Location"] == f"/api/v1/orders/{made.pk}"
    assert orders_of(api.partner) == [made]
    assert replayed[REPLAYED] == "true"
    assert replayed.json() == taken_over.json()


def test_an_abandoned_key_that_made_nothing_is_taken_over_and_makes_the_order(api):
    offer = api.quote(factories.product(), 1)
    body = order_body(offer["id"])
    _claim(api, "crashed-early", body, locked_for=-timedelta(seconds=1))

    taken_over = api.post("/orders", body, key="crashed-early")

    assert taken_over.status_code == 202, taken_over.json()
    assert [str(o.pk) for o in orders_of(api.partner)] == [taken_over.json()["id"]]


# --- retention -----------------------------------------------------------------------------


def _age(api, key: str, age: timedelta) -> None:
    IdempotencyRecord.objects.filter(partner=api.partner, key=key).update(created_at=timezone.now() - age)


def test_keys_older_than_48_hours_are_pruned_and_can_be_used_again(api):
    product = factories.product()
    for key in ("old", "recent"):
        assert api.post("/offers", {"productId": product.pk}, key=key).status_code == 201
    _age(api, "old", timedelta(hours=48, minutes=1))
    _age(api, "recent", timedelta(hours=47))

    pruned = tasks.prune_idempotency_records.call()

    assert pruned == 1
    kept = IdempotencyRecord.objects.filter(partner=api.partner).values_list("key", flat=True)
    assert list(kept) == ["recent"]
    reused = api.post("/offers", {"productId": product.pk, "quantity": 3}, key="old")
    assert reused.status_code == 201
    assert REPLAYED not in reused
    assert reused.json()["quantity"] == 3
    recent = api.post("/offers", {"productId": product.pk, "quantity": 3}, key="recent")
    assert_problem(recent, 422, "IDEMPOTENCY_KEY_REUSED")


def test_an_expired_key_may_be_reused_before_it_is_pruned(api):
    product = factories.product()
    first = api.post("/offers", {"productId": product.pk}, key="expired")
    _age(api, "expired", timedelta(hours=49))

    reused = api.post("/offers", {"productId": product.pk, "quantity": 2}, key="expired")

    assert reused.status_code == 201, reused.json()
    assert reused.json()["id"] != first.json()["id"]
    assert idempotency_prune() == 0  # the reuse started a new 48 hours


# --- under real concurrency (PostgreSQL) -----------------------------------------------------

KEYS = 100
DUPLICATES = 10
THREADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(240)
def test_concurrent_duplicates_make_exactly_one_order_per_key(api):
    product = factories.product()
    offers = [offer_quote(partner=api.partner, product_id=product.pk, quantity=1) for _ in range(KEYS)]
    bodies = {f"key-{n}": order_body(str(offer.pk)) for n, offer in enumerate(offers)}
    # a key's duplicates back to back, so they overlap
    requests = [(n, key) for n, key in enumerate(bodies) for _ in range(DUPLICATES)]

    def send(request: tuple[int, str]) -> tuple[int, dict, str | None]:
        n, key = request
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {api.raw_key}")
        response = http.post(
            "/api/v1/orders",
            bodies[key],
            format="json",
            headers={"Idempotency-Key": key, "X-Client-Name": f"sync-{n % 10}"},
        )
        return response.status_code, response.json(), response.get(REPLAYED)

    outcomes = run_concurrently(send, requests, threads=THREADS)

    assert [o.error for o in outcomes if o.error is not None] == []
    answers: dict[str, list[tuple[int, dict, str | None]]] = defaultdict(list)
    for outcome in outcomes:
        answers[outcome.item[1]].append(outcome.result)
    assert sum(len(got) for got in answers.values()) == KEYS * DUPLICATES
    made = {o.idempotency_key: str(o.pk) for o in orders_of(api.partner)}
    assert len(made) == KEYS
    for key, got in answers.items():
        statuses = {status for status, _, _ in got}
        assert statuses <= {202, 409}, (key, got)
        accepted = [body for status, body, _ in got if status == 202]
        assert {body["id"] for body in accepted} == {made[key]}, key
        assert [replayed for status, _, replayed in got if status == 202].count(None) == 1, key
        for status, body, _ in got:
            if status == 409:
                assert body["errorCode"] == "IDEMPOTENCY_KEY_IN_USE"
                assert body["retryable"] is True
    for key in list(bodies)[:10]:  # once the first has answered, a retry is a replay of it
        retry = api.post("/orders", bodies[key], key=key, **{"X-Client-Name": "retry"})
        assert (retry.status_code, retry[REPLAYED], retry.json()["id"]) == (202, "true", made[key])
    states = IdempotencyRecord.objects.filter(partner=api.partner, key__in=bodies).values_list(
        "state", flat=True
    )
    assert sorted(states) == [IdempotencyState.COMPLETED] * KEYS


def test_the_http_side_reads_the_store_that_settings_name_and_its_completed_state():
    store = idempotency._store()

    assert store.__name__ == "orders.services.idempotency"
    assert idempotency.COMPLETED == IdempotencyState.COMPLETED
