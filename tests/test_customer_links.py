"""Customer page links are what Django's URL reversing makes of them, without reversing per order."""

import pytest
from django.conf import settings
from django.urls import reverse

from checkout.links import customer_url
from orders.models import new_order_key

PAGES = ["page", "pay", "return", "status", "tickets", "tickets-pdf", "codes", "receipt", "receipt-pdf"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("key", [new_order_key(), "a key with spaces & ümlauts?", "ORDERKEY-ORDERKEY"])
def test_a_customer_link_is_the_reversed_url_of_its_page(name, key):
    assert customer_url(name, key) == settings.PUBLIC_BASE_URL + reverse(f"checkout:{name}", args=[key])


def test_a_customer_link_follows_the_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://tickets.example.com"
    key = new_order_key()

    assert customer_url("status", key) == f"https://tickets.example.com/checkout/{key}/status"
