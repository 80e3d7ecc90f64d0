"""Every partner API route with an id in its path, every method, with another partner's ids: 404,
the same as for an id that never existed, and nothing of the owner's changes. The routes come from
the URLconf and the request bodies from the OpenAPI schema, so routes added later are swept too;
the owner's own request is made as well, to prove each id was real.

tests/test_api_auth_isolation.py covers the order endpoints one by one; this sweeps them all.
"""

import uuid
from collections import deque

import pytest
from django.apps import apps
from django.db import models
from drf_spectacular.generators import SchemaGenerator

from orders.models import Order, OrderEvent, Partner
from payments.models import LedgerEntry, Payment, Refund
from payments.services import wallets
from suppliers.models import SupplierKind
from tests import factories
from tests.api_routes import api_routes, fill
from tests.api_support import client_for

pytestmark = pytest.mark.django_db(transaction=True)

# Routes whose id names what every partner shares (the catalog): nothing to hide.
SHARED = {"product"}
MAX_OWNER_PATH = 3


def model_of(parameter: str) -> type[models.Model] | None:
    name = parameter.removesuffix("_id").replace("_", "")
    return next((model for model in apps.get_models() if model._meta.model_name == name), None)


def owner_path(model: type[models.Model]) -> str | None:
    """The shortest lookup from ``model`` to the Partner that owns it (``order__partner``)."""
    queue = deque([(model, "")])
    while queue:
        current, path = queue.popleft()
        if current is Partner:
            return path.removesuffix("__")
        if path.count("__") >= MAX_OWNER_PATH:
            continue
        for field in current._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.OneToOneField) and field.concrete:
                queue.append((field.related_model, f"{path}{field.name}__"))
    return None


def minimal_body(schema: dict, components: dict, name: str = ""):
    """The smallest request body the schema allows: required members, plausible values (a
    member named like a URL gets one)."""
    if "$ref" in schema:
        return minimal_body(components[schema["$ref"].rsplit("/", 1)[1]], components, name)
    if "allOf" in schema:
        return minimal_body(schema["allOf"][0], components, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        # A body with nothing required (a PATCH) still says something: its first member.
        names = schema.get("required") or list(properties)[:1]
        return {member: minimal_body(properties[member], components, member) for member in names}
    if kind == "array":
        return [minimal_body(schema["items"], components) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if "pattern" in schema and "example" in schema:  # a decimal string: its example fits
        return schema["example"]
    if name.lower().endswith("url"):
        return "https://shop.example/return"
    plausible = {
        "uuid": str(uuid.uuid4()),
        "uri": "https://shop.example/return",
        "email": "a@example.com",
        "date-time": "2026-01-01T00:00:00Z",
    }
    return plausible.get(schema.get("format"), "x")


@pytest.fixture
def world(worker):
    """Partner A owns one of everything; partner B is the stranger."""
    a = client_for(factories.partner(wallet="5000.00", invoice=True, gateway=True))
    b = client_for(factories.partner(wallet="5000.00"))
    wallets.wallet_open(partner=a.partner, currency="SEK")  # a currency only A holds
    gifts = factories.product(kind=SupplierKind.VOUCHER, price="40.00")
    for method in ("wallet", "invoice"):
        order = a.create_order(gifts, 2)
        worker()
        finalized = a.post(f"/orders/{order['id']}/finalize", {"method": method})
        assert finalized.status_code == 200, finalized.json()
        worker()
        assert (
            a.post(f"/orders/{order['id']}/refunds", {"reason": "requested", "lines": [1]}).status_code == 202
        )
        worker()
    a.quote(gifts, 1)  # an offer of A's
    a.create_order(factories.product(), 1)  # a PENDING order of A's
    # A webhook endpoint of A's (nothing listens there: its deliveries fail) with a delivery
    endpoint = a.post("/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks"})
    assert endpoint.status_code == 201, endpoint.json()
    a.create_order(factories.product(), 1)
    worker()
    return a, b


def snapshot(partner) -> tuple:
    orders = Order.objects.filter(partner=partner)
    return (
        sorted(orders.values_list("id", "status", "version", "external_reference")),
        OrderEvent.objects.filter(order__partner=partner).count(),
        LedgerEntry.objects.filter(wallet__partner=partner).count(),
        Payment.objects.filter(order__partner=partner).count(),
        Refund.objects.filter(order__partner=partner).count(),
    )


def test_another_partners_id_is_404_on_every_route_and_method(world):
    a, b = world
    spec = SchemaGenerator().get_schema(request=None, public=True)
    components = spec["components"]["schemas"]
    swept, shared = [], set()
    before = snapshot(a.partner)
    owner_calls = []
    for _, pattern, methods in api_routes():
        parameters = pattern.pattern.converters
        if not parameters:
            continue
        values, strangers = {}, {}
        for name in parameters:
            if name == "currency":
                values[name] = "SEK"
                strangers[name] = "JPY"
                continue
            if name == "number":  # an amendment's version: the order it belongs to is swept
                values[name] = strangers[name] = "2"
                continue
            model = model_of(name)
            assert model is not None, f"{pattern.name}: no model for the path parameter {name}"
            path = owner_path(model)
            if path is None:
                shared.add(pattern.name)
                break
            mine = model.objects.filter(**{path: a.partner}).order_by("pk").first()
            assert mine is not None, f"the world has no {model.__name__} of partner A for {pattern.name}"
            values[name] = str(mine.pk)
            strangers[name] = str(uuid.uuid4()) if isinstance(mine.pk, uuid.UUID) else "2147483000"
        else:
            route = fill(pattern, {name: "{" + name + "}" for name in parameters})
            for method in methods:
                operation = spec["paths"][f"/api/v1/{route}"][method]
                body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json")
                body = minimal_body(body_schema["schema"], components) if body_schema else None
                url = "/api/v1/" + route.format(**values)
                nowhere = "/api/v1/" + route.format(**strangers)
                foreign = call(b, method, url, body)
                missing = call(b, method, nowhere, body)
                assert foreign.status_code == 404, (method, url, foreign.content[:300])
                assert _problem(foreign) == _problem(missing), (method, url)
                swept.append(f"{method.upper()} {route}")
                owner_calls.append((method, url, body))

    assert snapshot(a.partner) == before, "another partner's requests changed the owner's data"
    assert shared <= SHARED, f"routes with ids nobody owns: {shared - SHARED}; are they really shared?"
    for method, url, body in owner_calls:
        assert call(a, method, url, body).status_code != 404, f"the owner's {method} {url} was 404 too"
    assert len(swept) >= 12, swept


def call(client, method: str, url: str, body):
    if method in ("get", "delete"):
        return getattr(client.http, method)(url)
    return client.write(method, url, body)


def _problem(response) -> tuple:
    body = response.json()
    return response.status_code, body["errorCode"], body["title"]
