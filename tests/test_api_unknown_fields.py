"""Unknown members are refused at every level of a request body, not silently dropped.

Given a partner who misspells a member of a nested object (a contact's "emial", a traveller's
"birthDate"), when it writes, then the answer is 400 naming the member where it sits, and nothing
is created; the OpenAPI document says the same with additionalProperties false.
"""

import pytest

from orders.models import Order
from tests import factories
from tests.test_api_errors_and_headers import assert_problem

pytestmark = pytest.mark.django_db


def test_a_misspelt_member_of_a_contact_or_traveller_is_refused_where_it_sits(api):
    offer = api.quote(factories.product(), 2)
    body = {
        "offers": [offer["id"]],
        "travellers": [
            {"givenName": "Ada", "familyName": "One"},
            {"givenName": "Bo", "familyName": "Two", "birthDate": "1990-01-01"},
        ],
        "contact": {"name": "Ada", "emial": "ada@example.com"},
        "colour": "blue",
    }

    response = api.post("/orders", body)

    problem = assert_problem(response, 400, "VALIDATION_FAILED")
    assert problem["errors"] == {
        "colour": ["Unknown field."],
        "contact": {"emial": ["Unknown field."]},
        "travellers": {"1": {"birthDate": ["Unknown field."]}},
    }
    assert not Order.objects.exists()


def test_a_body_without_unknown_members_is_taken(api):
    offer = api.quote(factories.product(), 1)
    body = {
        "offers": [offer["id"]],
        "travellers": [{"givenName": "Ada", "familyName": "One", "bornOn": "1990-01-01"}],
        "contact": {"name": "Ada", "email": "ada@example.com"},
    }

    assert api.post("/orders", body).status_code == 202


def test_the_schema_closes_every_request_body(client):
    schemas = client.get("/api/v1/schema", {"format": "json"}).json()["components"]["schemas"]
    requests = {name: schema for name, schema in schemas.items() if name.endswith("Request")}

    assert len(requests) >= 10
    open_bodies = [name for name, body in requests.items() if body.get("additionalProperties") is not False]
    assert open_bodies == []
