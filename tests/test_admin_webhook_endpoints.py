"""Staff add and change partners' webhook endpoints in the admin and rotate their signing secret,
through the API's services: a secret is shown once, refused URLs are refused the same way, and
only a role that may add endpoints may do any of it."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.admin_support import login, shown
from webhooks import secrets
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
def admin_client(client):
    return login(client, "webmaster", role="Admin")


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_LOCAL_URLS = False


def add_form(partner, **fields) -> dict:
    return {
        "partner": partner.pk,
        "url": "https://hooks.example/orders",
        "event_types": ["order.fulfilled"],
        "description": "shop",
        "enabled": "on",
        **fields,
    }


def change_form(**fields) -> dict:
    """The change page's fields, with its (read-only) recent deliveries' management form."""
    return {"deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0", **fields}


def test_an_endpoint_added_in_the_admin_shows_its_secret_once_and_stores_it_sealed(admin_client):
    # given a partner
    partner = factories.partner(wallet="10.00")

    # when staff add an endpoint for it
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"), add_form(partner), follow=True
    )

    # then the page after saving shows the secret, the row holds it only sealed, and the
    # endpoint's page does not show it again
    secret = SECRET.search(response.content.decode()).group(0)
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.partner, endpoint.url, endpoint.event_types) == (
        partner,
        "https://hooks.example/orders",
        ["order.fulfilled"],
    )
    assert secrets.live_secrets(endpoint) == [secret]
    assert secret.encode() not in bytes(endpoint.secret_sealed)
    change_page = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert secret not in change_page.content.decode()
    assert not SECRET.search(change_page.content.decode())


def test_a_private_url_is_refused_in_production_with_the_reason_and_nothing_is_saved(
    admin_client, production
):
    # given production settings
    partner = factories.partner(wallet="10.00")

    # when staff give an endpoint a URL on a private network
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"), add_form(partner, url="https://10.1.2.3/hooks")
    )

    # then the form comes back with the service's reason on the URL, and no endpoint exists
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"] == [
        "The host '10.1.2.3' resolves to 10.1.2.3, which is not a public address."
    ]
    assert not WebhookEndpoint.objects.exists()


def test_a_change_updates_the_endpoint_and_a_refused_url_changes_nothing(admin_client, production):
    # given an endpoint
    partner = factories.partner(wallet="10.00")
    endpoint, _ = endpoint_create(partner_id=partner.pk, url="https://93.184.215.14/old", event_types=[])
    url = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])

    # when staff change its URL to a private one, then to a public one with other fields
    refused = admin_client.post(url, change_form(url="https://127.0.0.1/x", description="new", enabled="on"))
    admin_client.post(
        url,
        change_form(url="https://93.184.215.14/new", event_types=["order.failed"], description="new"),
    )

    # then the first is refused whole and the second is saved through the service
    assert "127.0.0.1" in refused.context["adminform"].form.errors["url"][0]
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.description, endpoint.enabled) == (
        "https://93.184.215.14/new",
        ["order.failed"],
        "new",
        False,
    )
    assert endpoint.disabled_at is not None


def test_rotating_shows_a_new_secret_once_and_the_old_one_keeps_signing(admin_client):
    # given an endpoint and its secret
    partner = factories.partner(wallet="10.00")
    endpoint, old_secret = endpoint_create(
        partner_id=partner.pk, url="https://hooks.example/x", event_types=[]
    )

    # when staff rotate its secret
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )

    # then the message holds the new secret and says the old one signs during the grace period
    (message,) = shown(response)
    new_secret = SECRET.search(message).group(0)
    assert new_secret != old_secret
    assert "WEBHOOK_SECRET_GRACE" in message
    endpoint.refresh_from_db()
    assert secrets.live_secrets(endpoint) == [new_secret, old_secret]


def test_support_cannot_add_change_or_rotate(client):
    # given a Support member (who may enable, disable and redeliver) and an endpoint
    support = login(client, "helpdesk", role="Support")
    partner = factories.partner(wallet="10.00")
    endpoint, _ = endpoint_create(partner_id=partner.pk, url="https://hooks.example/x", event_types=[])

    # when they try to add one, change it, or rotate its secret
    added = support.post(reverse("admin:webhooks_webhookendpoint_add"), add_form(partner))
    changed = support.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        change_form(url="https://elsewhere.example/x", enabled="on"),
    )
    rotated = support.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )

    # then each is refused and the endpoint is as it was
    assert added.status_code == 403
    assert changed.status_code == 403
    assert not any(SECRET.search(message) for message in shown(rotated))
    assert WebhookEndpoint.objects.count() == 1
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example/x"
    assert endpoint.previous_secret_sealed is None
