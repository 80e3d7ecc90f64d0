"""Helpers for tests of the partner API over HTTP (Django's test client, real middleware)."""

import uuid

import pytest
from rest_framework.test import APIClient

from orders.services.api_keys import api_key_create
from tessera.actors import Actor
from tests import factories


class PartnerClient:
    """An HTTP client holding one partner's API key; writes send a fresh Idempotency-Key."""

    def __init__(self, partner, raw_key: str) -> None:
        self.partner = partner
        self.raw_key = raw_key
        self.http = APIClient()
        self.http.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    def get(self, path: str, params: dict | None = None, **headers):
        return self.http.get(_url(path), params or {}, headers=headers)

    def write(self, method: str, path: str, body=None, *, key: str | None = None, **headers):
        headers = {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
        send = getattr(self.http, method.lower())
        return send(_url(path), body if body is not None else {}, format="json", headers=headers)

    def post(self, path: str, body=None, **kwargs):
        return self.write("post", path, body, **kwargs)

    def patch(self, path: str, body=None, **kwargs):
        return self.write("patch", path, body, **kwargs)

    def put(self, path: str, body=None, **kwargs):
        return self.write("put", path, body, **kwargs)

    # --- the partner's journey, step by step ---------------------------------------------

    def quote(self, product, quantity: int = 1, denomination: str | None = None) -> dict:
        body = {"productId": product.pk, "quantity": quantity}
        if denomination:
            body["denomination"] = denomination
        response = self.post("/offers", body)
        assert response.status_code == 201, response.json()
        return response.json()

    def create_order(self, product, quantity: int = 1, **extra) -> dict:
        offer = self.quote(product, quantity)
        body = {"offers": [offer["id"]], "travellers": travellers_json(quantity), **extra}
        response = self.post("/orders", body)
        assert response.status_code == 202, response.json()
        return response.json()


def _url(path: str) -> str:
    return path if path.startswith("/api/") else f"/api/v1{path}"


def travellers_json(count: int) -> list[dict]:
    return [{"givenName": "Ada", "familyName": f"Traveller{n}"} for n in range(1, count + 1)]


def client_for(partner) -> PartnerClient:
    _, raw_key = api_key_create(partner=partner, name="tests", actor=Actor.system("tests"))
    return PartnerClient(partner, raw_key)


@pytest.fixture
def api(db) -> PartnerClient:
    """A wallet partner (1000.00 EUR) with an API key."""
    return client_for(factories.partner(wallet="1000.00"))


@pytest.fixture
def other_api(db) -> PartnerClient:
    """Another partner, for isolation tests."""
    return client_for(factories.partner(wallet="1000.00"))
