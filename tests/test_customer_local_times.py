"""Times on the customer's pages are where the event or the train is: the product's time zone,
with its abbreviation, in the page's language (an Oslo concert at 19:30 reads 19:30 CET, not
18:30 UTC, to a customer anywhere)."""

import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from suppliers.models import Product, validate_time_zone
from tests import factories
from tests.gateway_support import Customer, paid, reserved_order

pytestmark = pytest.mark.django_db

WINTER_CONCERT = datetime(2031, 1, 14, 18, 30, tzinfo=UTC)  # 19:30 in Oslo
SUMMER_CONCERT = datetime(2031, 7, 14, 17, 30, tzinfo=UTC)  # 19:30 in Oslo


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def oslo_concert(starts_at: datetime) -> Product:
    product = factories.product()
    Product.objects.filter(pk=product.pk).update(time_zone="Europe/Oslo", starts_at=starts_at)
    return Product.objects.get(pk=product.pk)


@pytest.mark.parametrize(
    "starts_at, shown",
    [(WINTER_CONCERT, "Tue 14 Jan 2031, 19:30 CET"), (SUMMER_CONCERT, "Mon 14 Jul 2031, 19:30 CEST")],
)
def test_the_event_time_is_shown_on_its_own_clocks(starts_at, shown):
    order = paid(reserved_order(product_obj=oslo_concert(starts_at)))

    for page in ("", "status", "tickets"):
        html = text(Customer(order).open(page))
        assert shown in html, page
        assert "UTC" not in html, page


def test_the_time_reads_in_the_customers_language():
    customer = Customer(reserved_order(product_obj=oslo_concert(WINTER_CONCERT)))

    norwegian = text(customer.http.get(customer.url(), headers={"Accept-Language": "nb"}))
    german = text(customer.http.get(customer.url(), headers={"Accept-Language": "de"}))

    assert "tir 14. jan. 2031, 19:30 CET" in norwegian
    assert "Di, 14. Jan 2031, 19:30 CET" in german


def test_the_deadline_to_pay_is_in_the_events_time_zone():
    order = reserved_order(product_obj=oslo_concert(WINTER_CONCERT))
    local = order.expires_at.astimezone(Product.objects.get(lines__order=order).zone)

    page = text(Customer(order).open())

    assert f'Please pay before <time datetime="{order.expires_at.isoformat()}">' in page
    assert f"{local:%H:%M} {local.tzname()}</time>" in page


def test_a_product_without_a_zone_shows_utc():
    product = factories.product()
    Product.objects.filter(pk=product.pk).update(starts_at=WINTER_CONCERT)
    order = reserved_order(product_obj=Product.objects.get(pk=product.pk))

    assert "Tue 14 Jan 2031, 18:30 UTC" in text(Customer(order).open())


def test_a_time_zone_must_be_an_iana_name():
    validate_time_zone("Europe/Oslo")
    with pytest.raises(ValidationError):
        validate_time_zone("CET+1")


def test_the_demo_products_carry_their_places_time_zone_and_names():
    call_command("seed_demo", stdout=StringIO())

    zones = dict(Product.objects.values_list("supplier_reference", "time_zone"))
    oslo_bergen = Product.objects.get(supplier_reference="OSL-BGO-0725")

    assert zones["OSL-BGO-0725"] == zones["CONCERT-GA"] == zones["FESTIVAL-TIMEOUT"] == "Europe/Oslo"
    assert zones["AMS-CDG-FAILS"] == zones["AMS-LHR-TB201"] == "Europe/Amsterdam"
    assert (oslo_bergen.from_place_name, oslo_bergen.to_place_name) == ("Oslo S", "Bergen")
    assert oslo_bergen.starts_at.astimezone(oslo_bergen.zone).strftime("%H:%M") == "07:25"
