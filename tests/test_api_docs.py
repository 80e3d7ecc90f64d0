"""docs/api.md and the OpenAPI schema stay true to the code: endpoints, filters, errors."""

import json
import re
import uuid
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import Resolver404, resolve

from config import api_urls
from orders.api.filters import OrderFilters
from partner_api.order_serializers import LineOut, OrderOut, TravellerOut
from tessera.catalog_docs import rewritten
from tessera.errors import error_catalog
from tessera.event_types import EventType
from tests import factories

ORDER_FILTERS = OrderFilters.base_filters
GUIDE = Path(__file__).resolve().parent.parent / "docs" / "api.md"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

ENDPOINT_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE)` \| `(/api/v1/[^`]*)` \|", re.M)
FILTER_ROW = re.compile(r"^\| `(\w+)` \| ([a-z, ]+) \| [^|]+ \| `([^`]+)` \|$", re.M)
ERROR_ROW = re.compile(r"^\| `([A-Z_]+)` \| (\d{3}) \| (\w+) \| (yes|no) \| .+ \|$", re.M)
EVENT_TYPE_ROW = re.compile(r"^\| `([a-z_]+\.[a-z_]+)` \|", re.M)
JSON_BLOCK = re.compile(r"```json\n(.*?)\n```", re.S)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text()


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start : following if following != -1 else None]


def concrete(path: str) -> str:
    """A documented path template with its {placeholders} filled in with plausible values."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        numeric = {"productId": "1", "invoiceId": "1", "creditNoteId": "1", "number": "2", "deliveryId": "1"}
        return {**numeric, "currency": "EUR"}.get(name, str(uuid.uuid4()))

    return PLACEHOLDER.sub(fill, path)


def documented_endpoints(guide: str) -> set[tuple[str, str]]:
    """(METHOD, url name) of every row of the guide's endpoint table, each checked to resolve."""
    rows = ENDPOINT_ROW.findall(section(guide, "## Endpoints"))
    assert rows, "the endpoint table is missing"
    endpoints = set()
    for method, path in rows:
        try:
            match = resolve(concrete(path))
        except Resolver404:
            pytest.fail(f"docs/api.md lists {method} {path}, which no URL serves")
        view_class = match.func.view_class
        assert hasattr(view_class, method.lower()), f"docs/api.md lists {method} {path}: not implemented"
        endpoints.add((method, match.url_name))
    return endpoints


def test_the_guide_documents_every_endpoint_and_method_the_api_serves(guide):
    served = {
        (method.upper(), pattern.name)
        for pattern in api_urls.urlpatterns
        for method in HTTP_METHODS
        if hasattr(pattern.callback.view_class, method)
    }

    documented = documented_endpoints(guide)

    assert served - documented == set(), "endpoints served but missing from docs/api.md"
    assert documented - served == set()


def test_the_guide_lists_every_order_filter_with_its_real_operators(guide):
    rows = {name: (ops, example) for name, ops, example in FILTER_ROW.findall(section(guide, "### Filters"))}

    assert set(rows) == set(ORDER_FILTERS), "the filter table and ORDER_FILTERS differ"
    for name, spec in ORDER_FILTERS.items():
        documented = {op.strip() for op in rows[name][0].split(",")}
        assert documented == set(spec.operators), f"{name}: docs say {documented}, code has {spec.operators}"
        assert rows[name][1].startswith(f"{name}="), f"the example of {name} does not use {name}"


def test_every_filter_example_in_the_guide_is_accepted_by_the_api(api, guide):
    call_command("seed_demo", stdout=StringIO())  # the examples name the demo suppliers
    examples = [example for _, _, example in FILTER_ROW.findall(section(guide, "### Filters"))]
    assert len(examples) == len(ORDER_FILTERS)

    for example in examples:
        name, _, value = example.partition("=")
        response = api.get("/orders", {name: value})
        assert response.status_code == 200, (example, response.json())


def test_the_order_the_walk_through_shows_has_every_field_the_api_answers_with(guide):
    create = section(guide, "### 3. Create the order")
    start = create.index("```json\n") + len("```json\n")
    shown = json.loads(create[start : create.index("\n```", start)])

    assert set(shown) == set(OrderOut().fields)
    assert set(shown["lines"][0]) == set(LineOut().fields)
    assert set(shown["travellers"][0]) == set(TravellerOut().fields)


def test_the_guide_lists_every_error_code_with_its_real_status_fault_and_retryable(guide):
    rows = {
        code: (int(status), fault, retryable == "yes")
        for code, status, fault, retryable in ERROR_ROW.findall(section(guide, "## Errors"))
    }

    assert set(rows) == set(error_catalog()), "the error table and the error classes differ"
    for code, error in error_catalog().items():
        assert rows[code] == (error.http_status, error.fault, error.retryable), code


def test_the_generated_tables_of_the_guide_are_those_the_code_makes(guide):
    """The error codes and event types tables are written by `make catalogs`."""
    assert guide == rewritten(guide), "run `make catalogs` and commit docs/api.md"


def test_the_guide_lists_every_event_type_once(guide):
    listed = EVENT_TYPE_ROW.findall(section(guide, "## Event types"))

    assert sorted(listed) == sorted(EventType.values)


def test_every_problem_the_guide_shows_has_its_codes_title_and_suggested_action(guide):
    shown = [json.loads(block) for block in JSON_BLOCK.findall(guide) if '"errorCode"' in block]

    assert len(shown) >= 5
    for problem in shown:
        error = error_catalog()[problem["errorCode"]]
        assert (problem["title"], problem["status"], problem["fault"], problem["retryable"]) == (
            error.title,
            error.http_status,
            error.fault,
            error.retryable,
        ), problem["errorCode"]
        assert problem["suggestedAction"] == error.suggested_action, problem["errorCode"]


def test_the_generated_openapi_schema_validates_without_warnings_and_carries_the_catalog(tmp_path):
    target = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    description = schema["info"]["description"]
    assert [code for code in error_catalog() if f"`{code}`" not in description] == []
    assert sorted(schema["components"]["schemas"]["Problem"]["properties"]["errorCode"]["enum"]) == sorted(
        error_catalog()
    )
    assert schema["components"]["schemas"]["EventTypeEnum"]["enum"] == EventType.values
    served = {"/api/v1/" + ROUTE_PARAMETER.sub(r"{\1}", str(p.pattern)) for p in api_urls.urlpatterns}
    assert set(schema["paths"]) == served - {"/api/v1/schema", "/api/v1/docs"}


@pytest.mark.django_db
def test_schema_and_interactive_docs_answer_without_a_key(client):
    schema = client.get("/api/v1/schema")
    schema_json = client.get("/api/v1/schema", {"format": "json"})
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    assert schema["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/orders/{order_id}/finalize" in schema.content
    assert schema_json.status_code == 200
    assert "listOrders" in {
        operation["operationId"]
        for path in schema_json.json()["paths"].values()
        for operation in path.values()
    }
    assert docs.status_code == 200
    assert docs["Content-Type"].startswith("text/html")
    assert b"/api/v1/schema" in docs.content


@pytest.mark.django_db(transaction=True)
def test_a_retryable_error_retried_with_the_same_key_succeeds_once_its_cause_is_gone(api, worker):
    """The schema promises: ``retryable`` true means retrying with the same Idempotency-Key is safe
    and may succeed (tessera/api/fields.py ProblemSerializer, tessera/api/problems.py).

    Given an order whose line is still RESERVING, finalize answers 409 ORDER_NOT_READY, retryable.
    When the line is reserved and the partner retries with the same key and body,
    then the finalize runs, instead of the stored 409 being replayed.
    """
    order = api.create_order(factories.product(), 1)
    key = str(uuid.uuid4())
    first = api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}, key=key)
    assert first.status_code == 409
    assert first.json()["errorCode"] == "ORDER_NOT_READY"
    assert first.json()["retryable"] is True

    worker()
    assert "finalize" in api.get(f"/orders/{order['id']}").json()["availableActions"]
    retry = api.post(f"/orders/{order['id']}/finalize", {"method": "wallet"}, key=key)

    assert retry.status_code == 200, retry.json()
    assert retry.json()["status"] == "PROCESSING"
