"""Suppliers in the back office: adapter settings with their secrets masked, and "test connection".

Given a supplier whose settings hold credentials, when staff open or save its page, then the
secret values never show and survive a save that leaves their mask; "test connection" asks the
adapter to answer and says how it went, changing nothing.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from suppliers.events import breaker_opened
from suppliers.models import Supplier
from tests.admin_support import login, shown

pytestmark = pytest.mark.django_db

SETTINGS = {"endpoint": "https://rail.example", "api_key": "k-9f8e7d", "auth": {"client_secret": "s-112233"}}


@pytest.fixture
def supplier():
    return Supplier.objects.create(
        name="Rail Co", slug="rail-co", kind="rail", adapter="sandbox", settings=SETTINGS
    )


def change_url(supplier) -> str:
    return reverse("admin:suppliers_supplier_change", args=[supplier.pk])


def form_data(supplier, settings_text: str) -> dict:
    return {
        "name": supplier.name,
        "slug": supplier.slug,
        "kind": supplier.kind,
        "adapter": supplier.adapter,
        "settings": settings_text,
        "is_active": "on",
        "max_concurrent_calls": "10",
        "connect_timeout_seconds": "3",
        "read_timeout_seconds": "40",
        "breaker_failure_threshold": "5",
        "breaker_cooldown_seconds": "30",
        "products-TOTAL_FORMS": "0",
        "products-INITIAL_FORMS": "0",
    }


def test_secret_settings_are_masked_on_the_page(client, supplier):
    admin = login(client, "boss", role="Admin")

    page = admin.get(change_url(supplier)).content.decode()

    assert "k-9f8e7d" not in page and "s-112233" not in page
    assert "https://rail.example" in page and "••••••••" in page


def test_saving_with_the_mask_keeps_the_secret_and_a_typed_value_replaces_it(client, supplier):
    admin = login(client, "boss", role="Admin")
    shown_settings = (
        '{"endpoint": "https://rail2.example", "api_key": "••••••••", "auth": {"client_secret": "s-new"}}'
    )

    response = admin.post(change_url(supplier), form_data(supplier, shown_settings))

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.settings == {
        "endpoint": "https://rail2.example",
        "api_key": "k-9f8e7d",
        "auth": {"client_secret": "s-new"},
    }


def test_test_connection_reports_each_supplier(client, supplier):
    down = Supplier.objects.create(
        name="Down Co", slug="down-co", kind="air", adapter="sandbox", settings={"down": True}
    )
    support = login(client, "desk", role="Support")

    response = support.post(
        reverse("admin:suppliers_supplier_changelist"),
        {"action": "test_connection", "_selected_action": [supplier.pk, down.pk]},
    )

    messages = shown(response)
    assert any(message.startswith("Rail Co: The sandbox supplier answers. (") for message in messages)
    assert any(
        message.startswith("Down Co: no connection — The sandbox supplier does not answer")
        for message in messages
    )
    assert not any("k-9f8e7d" in message for message in messages)


def test_support_may_not_change_a_supplier(client, supplier):
    support = login(client, "desk", role="Support")

    response = support.post(change_url(supplier), form_data(supplier, "{}"))

    assert response.status_code == 403
    assert Supplier.objects.get(pk=supplier.pk).settings == SETTINGS


def test_the_breaker_state_and_its_settings_show_on_the_supplier_page(client, supplier):
    # given a supplier whose breaker opened after five failures
    Supplier.objects.filter(pk=supplier.pk).update(breaker_opened_at=timezone.now(), breaker_failures=5)
    breaker_opened(supplier_id=supplier.pk, failures=5, reason="connection refused")
    staff = login(client, "boss", role="Admin")

    # when staff open its page
    page = staff.get(change_url(supplier)).content.decode()

    # then they read that it is open, its history, and can edit the thresholds and the limit
    assert "OPEN since" in page and "lines wait" in page
    assert "supplier.breaker_opened" in page
    for field in ("max_concurrent_calls", "breaker_failure_threshold", "breaker_cooldown_seconds"):
        assert f'name="{field}"' in page


def test_an_open_breaker_shows_on_the_dashboard_with_a_link_to_its_supplier(client, supplier):
    Supplier.objects.filter(pk=supplier.pk).update(breaker_opened_at=timezone.now(), breaker_failures=5)
    staff = login(client, "boss", role="Admin")

    page = staff.get(reverse("admin:index")).content.decode()

    breakers = page[page.index("attention-breakers") :]
    assert "Rail Co" in breakers and "breaker OPEN" in breakers
    assert change_url(supplier) in breakers
