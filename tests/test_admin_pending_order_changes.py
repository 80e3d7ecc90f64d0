"""A PENDING order's contact, external reference and expiry change from the back office; nothing
else does, and nothing of a finalized order does.

Through the services the partner API uses: the timeline says who changed what (the order stays
version 1, the draft of its first version); a bad expiry changes nothing at all.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent
from tests import factories
from tests.admin_support import delivered_order, login, order_url, shown

pytestmark = pytest.mark.django_db(transaction=True)


def details_url(order) -> str:
    return reverse("admin:orders_order_details", args=[order.pk])


def form(order, **changes) -> dict:
    data = {
        "contact_name": order.contact_name,
        "contact_email": order.contact_email,
        "contact_phone": order.contact_phone,
        "external_reference": order.external_reference,
        "expires_at": order.expires_at.strftime("%Y-%m-%d %H:%M:%S"),
    }
    return {**data, **changes}


@pytest.fixture
def pending(wallet_partner):
    return factories.order(owner=wallet_partner, product_obj=factories.product())


def test_support_changes_the_contact_and_expiry_of_a_pending_order(client, pending):
    support = login(client, "desk", role="Support")
    assert details_url(pending) in support.get(order_url(pending)).content.decode()
    later = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    response = support.post(
        details_url(pending),
        form(pending, contact_email="Ada@Example.com", expires_at=later.strftime("%Y-%m-%d %H:%M:%S")),
    )

    assert response.status_code == 302
    order = Order.objects.get(pk=pending.pk)
    assert (order.contact_email, order.expires_at, order.version) == ("ada@example.com", later, 1)
    changes = OrderEvent.objects.filter(
        order=order, transition__in=["order.details_updated", "order.expiry_changed"]
    )
    assert {(event.transition, event.actor_label) for event in changes} == {
        ("order.details_updated", "desk"),
        ("order.expiry_changed", "desk"),
    }
    assert any("contact, expiry changed" in message for message in shown(response))


def test_only_what_was_changed_is_changed(client, pending):
    support = login(client, "desk", role="Support")

    support.post(details_url(pending), form(pending, external_reference="PO-1"))

    order = Order.objects.get(pk=pending.pk)
    assert (order.external_reference, order.version) == ("PO-1", 1)
    assert not OrderEvent.objects.filter(order=order, transition="order.expiry_changed").exists()


def test_a_bad_expiry_changes_nothing(client, pending):
    support = login(client, "desk", role="Support")
    past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")

    response = support.post(details_url(pending), form(pending, contact_name="Someone", expires_at=past))

    assert response.status_code == 200 and "cannot be in the past" in response.content.decode()
    order = Order.objects.get(pk=pending.pk)
    assert (order.contact_name, order.version) == (pending.contact_name, pending.version)


def test_a_finalized_order_has_no_such_page(client, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    support = login(client, "desk", role="Support")

    page = support.get(order_url(order)).content.decode()
    response = support.post(details_url(order), form(order, contact_name="Someone"))

    assert details_url(order) not in page
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).contact_name == order.contact_name


def test_finance_may_not_change_an_order(client, pending):
    finance = login(client, "money", role="Finance")

    response = finance.post(details_url(pending), form(pending, contact_name="Someone"))

    assert response.status_code == 403
    assert Order.objects.get(pk=pending.pk).contact_name == pending.contact_name
