"""Who gets in, and what they see: API keys are the only way in, and a partner sees only its own.

``Authorization: Bearer tsk_<prefix>_<secret>``: anything else (no header, another scheme, a
malformed, unknown or revoked key, a staff session) is a 401 problem with ``WWW-Authenticate``.
Keys are stored as a hash and a prefix, shown once, and record when they were last used.

Another partner's order or offer is 404 on every endpoint, never 403: a partner cannot even
learn that it exists. Lists, wallets and ledgers hold only the caller's own rows.
"""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import ApiKey, Order, OrderEvent
from orders.services.api_keys import api_key_revoke
from suppliers.models import Offer
from tessera.actors import Actor
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.errors import error_catalog
from tests import factories
from tests.api_support import PartnerClient, client_for, travellers_json

pytestmark = pytest.mark.django_db


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].split(";")[0] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["errorCode"] == code
    assert code in error_catalog()
    assert body["status"] == status
    return body


def assert_unauthenticated(response) -> None:
    assert_problem(response, 401, "UNAUTHENTICATED")
    assert response["WWW-Authenticate"].startswith("Bearer")


def with_authorization(value: str) -> APIClient:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=value)
    return http


def key_row(client: PartnerClient) -> ApiKey:
    return ApiKey.objects.get(prefix=client.raw_key.split("_")[1])


@pytest.fixture
def product(db):
    return factories.product()


# --- authentication -------------------------------------------------------------------------


def test_a_request_without_authorization_is_401_with_a_bearer_challenge(db):
    response = APIClient().get("/api/v1/orders")

    assert_unauthenticated(response)


def test_a_valid_key_is_let_in(api):
    assert api.get("/orders").status_code == 200


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Key", "ApiKey"])
def test_a_valid_key_under_another_scheme_is_401(api, scheme):
    response = with_authorization(f"{scheme} {api.raw_key}").get("/api/v1/orders")

    assert_unauthenticated(response)


def test_the_bearer_scheme_name_is_case_insensitive(api):
    """RFC 9110 §11.1: the authentication scheme is a case-insensitive token."""
    response = with_authorization(f"bearer {api.raw_key}").get("/api/v1/orders")

    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-key",
        "Bearer tsk_",
        "Bearer tsk__",
        "Bearer tsk_abc",
        "Bearer sk_live_0123456789abcdef",
        "Bearer tsk_ünïcode_sëcret",
        "Bearer " + "tsk_" + "a" * 5000,
    ],
    ids=[
        "no-key",
        "blank-key",
        "no-structure",
        "prefix-only",
        "empty-parts",
        "two-parts",
        "other-vendor",
        "non-ascii",
        "huge",
    ],
)
def test_a_malformed_key_is_401(db, header):
    response = with_authorization(header).get("/api/v1/orders")

    assert_unauthenticated(response)


def test_an_unknown_key_is_401(db):
    response = with_authorization(f"Bearer tsk_0123456789ab_{'x' * 43}").get("/api/v1/orders")

    assert_unauthenticated(response)


def test_a_key_with_a_known_prefix_but_a_wrong_secret_is_401(api):
    _, prefix, secret = api.raw_key.split("_", 2)
    forged = f"tsk_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"

    response = with_authorization(f"Bearer {forged}").get("/api/v1/orders")

    assert_unauthenticated(response)


def test_a_revoked_key_is_401(api):
    assert api.get("/orders").status_code == 200

    api_key_revoke(key_id=key_row(api).pk, actor=Actor.system("tests"))

    assert_unauthenticated(api.get("/orders"))


def test_revoking_one_key_leaves_the_partners_other_keys_working(api):
    second = client_for(api.partner)

    api_key_revoke(key_id=key_row(api).pk, actor=Actor.system("tests"))

    assert second.get("/orders").status_code == 200


def test_a_key_of_a_deactivated_partner_is_401(api):
    api.partner.is_active = False
    api.partner.save(update_fields=["is_active"])

    assert_unauthenticated(api.get("/orders"))


def test_a_staff_session_does_not_reach_the_partner_api(db, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-not-used")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200  # the session is real

    response = client.get("/api/v1/orders")

    assert_unauthenticated(response)


# --- the key itself -------------------------------------------------------------------------


def test_a_key_records_when_it_was_first_used(api):
    assert key_row(api).last_used_at is None
    before = timezone.now()

    api.get("/orders")

    used = key_row(api).last_used_at
    assert used is not None
    assert before <= used <= timezone.now()


def test_last_used_is_not_rewritten_on_every_request_within_a_minute(api):
    recently = timezone.now() - timedelta(seconds=30)
    ApiKey.objects.filter(pk=key_row(api).pk).update(last_used_at=recently)

    api.get("/orders")

    assert key_row(api).last_used_at == recently


def test_last_used_moves_on_once_the_minute_has_passed(api):
    long_ago = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(pk=key_row(api).pk).update(last_used_at=long_ago)

    api.get("/orders")

    assert key_row(api).last_used_at > long_ago + timedelta(minutes=4)


def test_a_refused_key_does_not_record_a_use(api):
    api_key_revoke(key_id=key_row(api).pk, actor=Actor.system("tests"))

    api.get("/orders")

    assert key_row(api).last_used_at is None


def test_only_a_hash_and_the_prefix_of_a_key_are_stored(api):
    _, prefix, secret = api.raw_key.split("_", 2)

    [row] = ApiKey.objects.filter(prefix=prefix).values()
    stored = " ".join(str(value) for value in row.values())

    assert row["prefix"] == prefix
    assert len(row["key_hash"]) == 64
    assert api.raw_key not in stored
    assert secret not in stored
    assert secret[:12] not in stored


def test_the_management_command_prints_a_working_key(db):
    partner = factories.partner(wallet="10.00")
    out = StringIO()

    call_command("create_api_key", partner.slug, "--name", "ci", "--quiet", stdout=out)

    raw_key = out.getvalue().strip()
    assert raw_key.startswith("tsk_")
    assert PartnerClient(partner, raw_key).get("/orders").status_code == 200
    row = ApiKey.objects.get(partner=partner)
    assert row.name == "ci"
    assert raw_key not in row.key_hash


def test_the_management_command_without_quiet_shows_the_key_once(db):
    partner = factories.partner(wallet="10.00")
    out = StringIO()

    call_command("create_api_key", partner.slug, stdout=out)

    raw_key = next(word for word in out.getvalue().split() if word.startswith("tsk_"))
    assert PartnerClient(partner, raw_key).get("/orders").status_code == 200


def test_the_management_command_refuses_an_unknown_partner(db):
    with pytest.raises(CommandError):
        call_command("create_api_key", "no-such-partner", "--quiet", stdout=StringIO())

    assert ApiKey.objects.count() == 0


# --- isolation: another partner's order -----------------------------------------------------


@pytest.fixture
def a_order(api, product) -> dict:
    """Partner A's PENDING order (``api`` is A, ``other_api`` is B)."""
    return api.create_order(product, 1, externalReference="A-SECRET-REF", contact={"email": "a@example.com"})


def order_state(order_id) -> tuple:
    order = Order.objects.get(pk=order_id)
    return (
        order.status,
        order.version,
        order.contact_email,
        order.external_reference,
        order.expires_at,
        list(order.travellers.values_list("given_name", "family_name")),
        OrderEvent.objects.filter(order_id=order_id).count(),
    )


FOREIGN_ORDER_CALLS = [
    ("get", "/orders/{id}", None),
    ("patch", "/orders/{id}", {"externalReference": "hijacked"}),
    ("patch", "/orders/{id}", {"contact": {"email": "b@example.com"}}),
    ("put", "/orders/{id}/travellers", {"travellers": travellers_json(1)}),
    ("post", "/orders/{id}/finalize", {"method": "wallet"}),
    ("post", "/orders/{id}/cancel", {"reason": "mine now"}),
    ("get", "/orders/{id}/events", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    FOREIGN_ORDER_CALLS,
    ids=["get", "patch-reference", "patch-contact", "put-travellers", "finalize", "cancel", "events"],
)
def test_another_partners_order_is_404_on_every_endpoint_and_untouched(
    a_order, other_api, method, path, body
):
    before = order_state(a_order["id"])
    url = path.format(id=a_order["id"])

    response = other_api.get(url) if method == "get" else getattr(other_api, method)(url, body)

    problem = assert_problem(response, 404, "ORDER_NOT_FOUND")
    assert "A-SECRET-REF" not in response.content.decode()
    assert problem["fault"] == "client"
    assert order_state(a_order["id"]) == before


def test_the_404_for_another_partners_order_is_the_same_as_for_no_order_at_all(a_order, other_api):
    foreign = other_api.get(f"/orders/{a_order['id']}").json()
    missing = other_api.get(f"/orders/{uuid.uuid4()}").json()

    for member in ("status", "title", "detail", "errorCode", "type"):
        assert foreign[member] == missing[member]


def test_the_owner_still_sees_its_order(a_order, api, other_api):
    other_api.get(f"/orders/{a_order['id']}")

    response = api.get(f"/orders/{a_order['id']}")

    assert response.status_code == 200
    assert response.json()["externalReference"] == "A-SECRET-REF"


# --- isolation: another partner's offer -----------------------------------------------------


def test_another_partners_offer_is_404(api, other_api, product):
    offer = api.quote(product, 1)

    response = other_api.get(f"/offers/{offer['id']}")

    assert_problem(response, 404, "OFFER_NOT_FOUND")
    assert api.get(f"/offers/{offer['id']}").status_code == 200


def test_ordering_from_another_partners_offer_is_404_and_leaves_the_offer_unused(api, other_api, product):
    offer = api.quote(product, 1)

    response = other_api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})

    assert_problem(response, 404, "OFFER_NOT_FOUND")
    assert Order.objects.count() == 0
    assert Offer.objects.get(pk=offer["id"]).used_at is None
    mine = api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})
    assert mine.status_code == 202


def test_another_partners_idempotency_key_does_not_replay_its_response(api, other_api, product):
    offer = api.quote(product, 1)
    body = {"offers": [offer["id"]], "travellers": travellers_json(1)}
    assert api.post("/orders", body, key="shared-key-1").status_code == 202

    response = other_api.post("/orders", body, key="shared-key-1")

    assert response.get("Idempotent-Replayed") is None
    assert_problem(response, 404, "OFFER_NOT_FOUND")
    assert Order.objects.filter(partner=other_api.partner).count() == 0


# --- isolation: lists, wallets, ledgers -----------------------------------------------------


def test_a_partners_order_list_holds_only_its_own_orders(api, other_api, product):
    a_orders = {api.create_order(product, 1, externalReference="A-REF")["id"] for _ in range(2)}
    b_order = other_api.create_order(product, 1, externalReference="B-REF")["id"]

    listed = other_api.get("/orders").json()

    assert [item["id"] for item in listed["items"]] == [b_order]
    assert listed["totalItems"] == 1
    assert {item["id"] for item in api.get("/orders").json()["items"]} == a_orders


@pytest.mark.parametrize("filter_by", ["id", "id-in", "externalReference", "contactEmail"])
def test_filtering_by_another_partners_values_finds_nothing(a_order, other_api, filter_by):
    params = {
        "id": {"id": a_order["id"]},
        "id-in": {"id": f"in:{a_order['id']},{uuid.uuid4()}"},
        "externalReference": {"externalReference": "A-SECRET-REF"},
        "contactEmail": {"contactEmail": "a@example.com"},
    }[filter_by]

    response = other_api.get("/orders", params)

    assert response.status_code == 200, response.json()
    assert response.json()["items"] == []
    assert response.json()["totalItems"] == 0


def test_cursor_sync_lists_only_the_partners_own_orders(a_order, other_api, product):
    b_order = other_api.create_order(product, 1)["id"]

    response = other_api.get("/orders", {"updatedSince": "2000-01-01T00:00:00Z"})

    assert [item["id"] for item in response.json()["items"]] == [b_order]


def test_a_partner_sees_only_its_own_wallet(db):
    a = client_for(factories.partner(wallet="250.00"))
    b = client_for(factories.partner(wallet="1000.00"))
    factories.partner(wallet="5.00", currency="USD")

    wallets = b.get("/wallets").json()["items"]

    assert wallets == [
        {
            "currency": "EUR",
            "balance": {"amount": "1000.00", "currency": "EUR"},
            "held": {"amount": "0.00", "currency": "EUR"},
            "available": {"amount": "1000.00", "currency": "EUR"},
            "updatedAt": wallets[0]["updatedAt"],
        }
    ]
    assert a.get("/wallets").json()["items"][0]["balance"]["amount"] == "250.00"


def test_a_partner_sees_only_its_own_ledger(db):
    a = client_for(factories.partner(wallet="250.00"))
    b = client_for(factories.partner(wallet="1000.00"))

    entries = b.get("/wallets/EUR/ledger").json()

    assert entries["totalItems"] == 1
    assert [e["amount"]["amount"] for e in entries["items"]] == ["1000.00"]
    assert [e["amount"]["amount"] for e in a.get("/wallets/EUR/ledger").json()["items"]] == ["250.00"]


def test_the_ledger_of_a_currency_only_another_partner_holds_is_404(db):
    factories.partner(wallet="5.00", currency="USD")
    b = client_for(factories.partner(wallet="1000.00"))

    response = b.get("/wallets/USD/ledger")

    assert_problem(response, 404, "WALLET_NOT_FOUND")
