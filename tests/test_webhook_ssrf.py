"""Endpoint URLs in production: https only, and no host resolving to loopback, private,
link-local or otherwise non-public addresses (SSRF); under DEBUG and in tests local URLs pass."""

import pytest

from webhooks.addresses import UnsafeAddress, check_delivery_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_LOCAL_URLS = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://172.16.5.4/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://0.0.0.0/hooks",
        "https://100.64.0.1/hooks",
    ],
)
def test_a_non_public_address_is_refused_in_production(api, production, url):
    # when a partner registers an endpoint at it
    response = api.post("/webhook-endpoints", {"url": url})
    # then it is a 400 naming the rule, and no endpoint exists
    assert response.status_code == 400, response.json()
    problem = response.json()
    assert problem["errorCode"] == "WEBHOOK_URL_REFUSED"
    assert "public address" in problem["detail"]
    assert api.get("/webhook-endpoints").json()["items"] == []


def test_http_is_refused_in_production(api, production):
    response = api.post("/webhook-endpoints", {"url": "http://93.184.215.14/hooks"})
    assert (response.status_code, response.json()["errorCode"]) == (400, "WEBHOOK_URL_REFUSED")
    assert "https" in response.json()["detail"]


def test_a_public_https_address_passes_in_production(production):
    check_delivery_url("https://93.184.215.14/hooks")  # an IP literal: no DNS needed


def test_the_check_runs_again_before_each_attempt(production):
    # a URL saved under other rules (or a name that resolves elsewhere now) is not called
    with pytest.raises(UnsafeAddress):
        check_delivery_url("https://127.0.0.1:9/hooks")


def test_local_urls_are_allowed_outside_production(api):
    response = api.post("/webhook-endpoints", {"url": "http://127.0.0.1:9100/hooks"})
    assert response.status_code == 201, response.json()
