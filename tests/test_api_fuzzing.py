"""Schemathesis over the partner API's own OpenAPI schema, served by a live server: every operation,
with data that fits the schema and data that does not, authenticated as a partner that has orders
in every state. No answer is a 5xx; every error is the documented problem+json; every answer
matches the status codes, media types and bodies the schema documents.

Another seed: FUZZ_SEED=<n> (default 7); more examples: FUZZ_EXAMPLES=<n> (default 25 per
operation and mode).

The second test runs what a partner runs in CI, the CLI with every check (``schemathesis run
<schema> --checks all``), from the checkout's root so that schemathesis.toml applies, through
every phase, stateful ones included (they follow the schema's links: create -> finalize ->
refund). Against any running server: ``.venv/bin/schemathesis run
http://127.0.0.1:8000/api/v1/schema --checks all -H "Authorization: Bearer <key>"``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from payments.services import finalization
from tessera.actors import Actor
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.api.throttling import PartnerClientThrottle
from tessera.errors import error_catalog
from tests import factories
from tests.api_support import client_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("FUZZ_SEED", "7"))

# About 2 s per example and mode across every operation on this machine; room to spare.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300 + 30 * EXAMPLES)]


@schemathesis.check
def errors_are_documented_problems(ctx, response, case) -> bool | None:
    """Every 4xx and 5xx is application/problem+json with a catalogued errorCode of its status."""
    if response.status_code < 400:
        return None
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.split(";")[0].strip() == PROBLEM_CONTENT_TYPE, f"error as {content_type!r}"
    body = json.loads(response.content)
    assert body["errorCode"] in error_catalog(), body
    assert body["status"] == response.status_code == error_catalog()[body["errorCode"]].http_status, body
    assert isinstance(body["retryable"], bool) and body["fault"] in {"client", "supplier", "server"}
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    errors_are_documented_problems,
]


@pytest.fixture
def partner_api(live_server, worker, monkeypatch):
    """The schema as the live server serves it, and a partner with orders to find."""
    monkeypatch.setattr(PartnerClientThrottle, "THROTTLE_RATES", {"partner": "1000000/min"})
    cache.clear()
    client = client_for(factories.partner(wallet="100000.00"))
    actor = Actor.partner(client.partner)
    for behaviour in ({}, {"fail": "issue"}, {"timeout": "issue"}):
        order = factories.order(owner=client.partner, product_obj=factories.product(behaviour=behaviour))
        worker()
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=actor)
        worker()
    factories.order(owner=client.partner, product_obj=factories.product())  # one left PENDING
    loaded = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema")
    loaded.config.update(base_url=live_server.url)
    loaded.api_key = client.raw_key
    return loaded


def test_no_input_makes_the_api_fail_or_answer_off_its_schema(partner_api):
    headers = {"Authorization": f"Bearer {partner_api.api_key}"}
    failures = {}
    operations = [result.ok() for result in partner_api.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @seed(SEED)
            @settings(
                max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except Exception as failure:  # noqa: BLE001 - collected per operation, reported together
                failures[f"{operation.label} ({mode})"] = str(failure)[:2000]

    assert len(operations) >= 20, "the schema lists fewer operations than the API has"
    assert failures == {}, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


CLI = Path(sys.executable).with_name("schemathesis")
CLI_EXAMPLES = int(os.environ.get("FUZZ_CLI_EXAMPLES", "10"))


def test_schemathesis_cli_with_every_check_passes(partner_api, live_server):
    command = [
        str(CLI),
        "run",
        f"{live_server.url}/api/v1/schema",
        "--checks",
        "all",
        "-H",
        f"Authorization: Bearer {partner_api.api_key}",
        "--max-examples",
        str(CLI_EXAMPLES),
        "--seed",
        str(SEED),
        "--no-color",
    ]

    run = subprocess.run(
        command, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=False
    )

    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
