"""Staff create a partner's API key in the admin (shown once) and revoke it there."""

import re

import pytest
from django.urls import reverse

from orders.models import ApiKey
from orders.services.api_keys import api_key_create
from tessera.actors import Actor
from tests import factories
from tests.admin_support import login
from tests.api_support import PartnerClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    return login(client, "ops", superuser=True)


def test_a_key_created_in_the_admin_is_shown_once_and_works(staff_client):
    partner = factories.partner(wallet="10.00")

    response = staff_client.post(
        reverse("admin:orders_apikey_add"), {"partner": partner.pk, "name": "shop"}, follow=True
    )

    assert response.status_code == 200
    raw_key = re.search(r"tsk_[0-9a-f]+_[A-Za-z0-9_-]+", response.content.decode()).group(0)
    key = ApiKey.objects.get()
    assert raw_key not in str(vars(key))
    assert PartnerClient(partner, raw_key).get("/wallets").status_code == 200
    change_page = staff_client.get(reverse("admin:orders_apikey_change", args=[key.pk])).content.decode()
    assert raw_key not in change_page
    assert f"tsk_{key.prefix}_" in change_page


def test_a_key_revoked_in_the_admin_stops_working_and_only_that_one(staff_client):
    partner = factories.partner(wallet="10.00")
    revoked, revoked_raw = api_key_create(partner=partner, name="leaked", actor=Actor.system("tests"))
    _, kept_raw = api_key_create(partner=partner, name="kept", actor=Actor.system("tests"))
    assert PartnerClient(partner, revoked_raw).get("/wallets").status_code == 200

    staff_client.post(
        reverse("admin:orders_apikey_changelist"), {"action": "revoke", "_selected_action": [revoked.pk]}
    )

    assert PartnerClient(partner, revoked_raw).get("/wallets").status_code == 401
    assert PartnerClient(partner, kept_raw).get("/wallets").status_code == 200
