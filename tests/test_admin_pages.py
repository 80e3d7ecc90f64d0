"""Staff can follow an order in the admin: every model listed, searchable, read-only statuses."""

import pytest
from django.contrib import admin
from django.urls import reverse

from orders.models import Order
from payments.services import finalization
from suppliers.models import Supplier
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return client


@pytest.fixture
def fulfilled_orders(worker):
    owner = factories.partner(wallet="5000.00")
    orders = []
    for kind in ("rail", "voucher"):
        product = factories.product(kind=kind, denominations=["25.00"] if kind == "voucher" else None)
        for _ in range(3):
            orders.append(
                factories.order(
                    owner=owner,
                    product_obj=product,
                    quantity=2,
                    denomination="25.00" if kind == "voucher" else None,
                )
            )
    worker()
    for order in orders:
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(owner))
    worker()
    return orders


def admin_urls_for_registered_models():
    for model in admin.site._registry:
        meta = model._meta
        yield meta.label, reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def test_every_registered_model_lists_with_a_bounded_number_of_queries(
    staff_client, fulfilled_orders, django_assert_max_num_queries
):
    for label, url in admin_urls_for_registered_models():
        with django_assert_max_num_queries(15):
            response = staff_client.get(url)
        assert response.status_code == 200, label


def test_order_page_shows_lines_travellers_and_timeline(
    staff_client, fulfilled_orders, django_assert_max_num_queries
):
    order = fulfilled_orders[0]
    with django_assert_max_num_queries(25):
        response = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert order.reference in page
    assert "Line issued" in page and "Order fulfilled" in page  # timeline
    assert "Traveller0" in page


def test_order_status_cannot_be_edited_from_the_admin(staff_client, fulfilled_orders):
    order = fulfilled_orders[0]
    url = reverse("admin:orders_order_change", args=[order.pk])
    staff_client.post(url, {"status": "CANCELED"})
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"


@pytest.mark.parametrize(
    "term", ["T-NOTHING", "buyer@example.com", "not-a-uuid", "6c1c3a2e-0000-4000-8000-000000000000"]
)
def test_order_search_answers_for_any_term(staff_client, fulfilled_orders, term):
    response = staff_client.get(reverse("admin:orders_order_changelist"), {"q": term})
    assert response.status_code == 200


def test_order_search_finds_by_reference_and_contact_email(staff_client, fulfilled_orders):
    order = fulfilled_orders[0]
    url = reverse("admin:orders_order_changelist")
    assert order.reference in staff_client.get(url, {"q": order.reference}).content.decode()
    by_email = staff_client.get(url, {"q": "BUYER@example.com"}).content.decode()
    assert order.reference in by_email


def test_supplier_with_an_unknown_adapter_is_refused_with_a_clear_error(staff_client):
    response = staff_client.post(
        reverse("admin:suppliers_supplier_add"),
        {
            "name": "Rail Co",
            "slug": "rail-co",
            "kind": "rail",
            "adapter": "telepathy",
            "settings": "{}",
            "is_active": "on",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "No adapter named" in response.content.decode()
    assert not Supplier.objects.exists()
