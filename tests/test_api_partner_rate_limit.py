"""A partner's own rate limit (set by staff in the admin) is the one its API requests are held to.

Given two partners, one with a rate limit of its own, when both call the API, then the one with
the limit is refused past it (429) while the other keeps the default; the admin refuses a rate
it could not read.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from orders.models import Partner
from tessera.api.throttling import parse_partner_rate
from tests import factories
from tests.admin_support import login
from tests.api_support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_counts():
    cache.clear()
    yield
    cache.clear()


def test_a_partner_with_its_own_rate_is_limited_by_it_and_others_are_not():
    limited = factories.partner(wallet="10.00")
    Partner.objects.filter(pk=limited.pk).update(rate_limit="2/min")
    limited_api, other_api = client_for(limited), client_for(factories.partner(wallet="10.00"))

    answers = [limited_api.get("/wallets").status_code for _ in range(3)]
    others = [other_api.get("/wallets").status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert others == [200, 200, 200]


def test_an_unreadable_rate_in_the_database_falls_back_to_the_default():
    partner = factories.partner(wallet="10.00")
    Partner.objects.filter(pk=partner.pk).update(rate_limit="lots")

    assert client_for(partner).get("/wallets").status_code == 200


@pytest.mark.parametrize(
    ("rate", "parsed"), [("600/min", (600, 60)), ("10/s", (10, 1)), ("5000/day", (5000, 86400))]
)
def test_rates_read_as_requests_per_period(rate, parsed):
    assert parse_partner_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["600", "0/min", "x/min", "10/fortnight", "/min"])
def test_unreadable_rates_are_refused(rate):
    with pytest.raises(ValueError):
        parse_partner_rate(rate)


def test_the_admin_refuses_a_rate_it_cannot_read(client):
    partner = factories.partner(wallet="10.00")
    admin = login(client, "boss", role="Admin")
    data = {
        "name": partner.name,
        "slug": partner.slug,
        "currency": "EUR",
        "is_active": "on",
        "allows_wallet": "on",
        "rate_limit": "as many as they like",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }

    refused = admin.post(reverse("admin:orders_partner_change", args=[partner.pk]), data)
    saved = admin.post(
        reverse("admin:orders_partner_change", args=[partner.pk]), {**data, "rate_limit": "120/min"}
    )

    assert refused.status_code == 200 and "is not a rate like 600/min" in refused.content.decode()
    assert saved.status_code == 302
    assert Partner.objects.get(pk=partner.pk).rate_limit == "120/min"
