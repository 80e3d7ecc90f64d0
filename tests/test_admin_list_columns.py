"""The order list shows the customer and their email, and the back office has no dead "View site".

Given an order with a contact, when staff open the order list, then its row shows the customer's
name and email; the admin's header has no "View site" link (Tessera serves nothing at "/").
"""

import pytest
from django.urls import reverse

from orders.models import Order
from tests import factories
from tests.admin_support import changelist, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_list_shows_the_customer_and_email(client, wallet_partner):
    staff = login(client, "desk", role="Support")
    order = factories.order(
        owner=wallet_partner, product_obj=factories.product(), contact_email="ada@example.com"
    )
    Order.objects.filter(pk=order.pk).update(contact_name="Ada Lovelace")

    page = staff.get(changelist()).content.decode()

    assert '<td class="field-customer">Ada Lovelace</td>' in page
    assert '<td class="field-customer_email">ada<wbr>@example.com</td>' in page


def test_there_is_no_view_site_link_to_a_404(client):
    staff = login(client, "desk", role="Support")

    page = staff.get(reverse("admin:index")).content.decode()

    assert "View site" not in page


def test_the_event_list_says_when_and_what_in_words(client, wallet_partner):
    staff = login(client, "desk", role="Support")
    factories.order(owner=wallet_partner, product_obj=factories.product())

    page = staff.get(reverse("admin:orders_orderevent_changelist")).content.decode()

    assert '<td class="field-what">Order created</td>' in page and " UTC</" in page
    assert 'id="nav-sidebar"' not in page  # the lists use the whole width of a laptop
