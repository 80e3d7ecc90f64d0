"""Customer e-mails are written in the customer's language, with times on the event's clock.

The order carries the language: the partner sends it as ``contact.language``, and the hosted
checkout records the one the customer reads its pages in.
"""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail

from orders.models import Order, OrderEvent
from suppliers.models import Product
from tests import factories
from tests.admin_support import login, order_url
from tests.gateway_support import Customer, paid, reserved_order

WINTER_CONCERT = datetime(2031, 1, 14, 18, 30, tzinfo=UTC)  # 19:30 in Oslo


def oslo_concert() -> Product:
    product = factories.product()
    Product.objects.filter(pk=product.pk).update(time_zone="Europe/Oslo", starts_at=WINTER_CONCERT)
    return Product.objects.get(pk=product.pk)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@pytest.mark.django_db(transaction=True)
def test_a_customer_who_reads_norwegian_gets_norwegian_emails_with_the_concerts_own_time(worker):
    # given a hosted-checkout order for an Oslo concert whose customer reads Norwegian
    order = reserved_order(product_obj=oslo_concert())
    Order.objects.filter(pk=order.pk).update(language="nb", contact_name="Kari Nordmann")
    mail.outbox.clear()

    # when it is paid and its tickets are issued
    paid(order)
    worker()

    # then both e-mails are in Norwegian, subject, text and HTML, at 19:30 Oslo time
    assert [message.subject for message in mail.outbox] == [
        f"Bestillingen din {order.reference} er bekreftet",
        f"Billettene dine for bestilling {order.reference} er klare",
    ]
    confirmed, ready = mail.outbox
    html = plain(confirmed.alternatives[0].content)
    assert confirmed.body.startswith("Hei Kari Nordmann,")
    assert f"Dette er bekreftelsen på bestillingen din {order.reference}" in confirmed.body
    assert "tir 14. jan. 2031, 19:30 CET" in confirmed.body
    assert "tir 14. jan. 2031, 19:30 CET" in html and '<html lang="nb">' in html
    assert "Last dem ned fra siden for bestillingen din:" in ready.body
    assert "UTC" not in confirmed.body + html
    assert "Hello" not in confirmed.body + ready.body + html


@pytest.mark.django_db(transaction=True)
def test_a_customer_without_a_name_is_greeted_without_a_placeholder(worker):
    # given an order in German whose contact gave no name
    order = reserved_order()
    Order.objects.filter(pk=order.pk).update(language="de", contact_name="")
    mail.outbox.clear()

    # when it is paid
    paid(order)
    worker()

    # then the e-mail greets plainly
    assert mail.outbox[0].subject == f"Ihre Bestellung {order.reference} ist bestätigt"
    assert mail.outbox[0].body.startswith("Guten Tag,\n")


@pytest.mark.django_db
def test_the_partner_sends_the_customers_language_with_the_contact(api):
    # given a product
    product = factories.product()

    # when the partner creates one order with a language and one without, then changes the first
    norwegian = api.create_order(product, contact={"email": "kari@example.com", "language": "nb"})
    unsaid = api.create_order(product, contact={"email": "ada@example.com"})
    changed = api.patch(
        f"/orders/{norwegian['id']}", {"contact": {"email": "kari@example.com", "language": "de"}}
    )

    # then the order carries it, the site's default when unsaid, and answers with it
    assert norwegian["contact"]["language"] == "nb"
    assert unsaid["contact"]["language"] == "en"
    assert changed.status_code == 200, changed.content
    assert changed.json()["contact"]["language"] == "de"
    assert Order.objects.get(pk=norwegian["id"]).language == "de"


@pytest.mark.django_db
def test_a_language_tessera_does_not_speak_is_refused_with_the_supported_ones(api):
    # given a quote
    offer = api.quote(factories.product())

    # when the partner asks for French
    response = api.post("/orders", {"offers": [offer["id"]], "contact": {"language": "fr"}})

    # then it is a 400 naming the member and what is supported, and no order exists
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["contact"]["language"] == [
        '"fr" is not a supported language. Supported: en, nb, nl, de.'
    ]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_checkout_records_the_language_the_customer_reads_it_in_once():
    # given an order the partner sent in English, opened by a Norwegian browser
    customer = Customer(reserved_order())
    nb = {"Accept-Language": "nb"}

    # when the customer opens the checkout page, then the status page
    customer.http.get(customer.url(), headers=nb)
    events_after_first_view = OrderEvent.objects.filter(order=customer.order).count()
    customer.http.get(customer.url("status"), headers=nb)

    # then the order is Norwegian from the first view on, and the second view wrote nothing
    assert Order.objects.get(pk=customer.order.pk).language == "nb"
    assert OrderEvent.objects.filter(order=customer.order).count() == events_after_first_view


@pytest.mark.django_db
def test_a_language_chosen_with_the_switcher_before_paying_is_recorded():
    # given a customer on the checkout page who switches to Dutch
    customer = Customer(reserved_order())
    customer.open()
    customer.http.post("/i18n/setlang/", {"language": "nl", "next": customer.url()})

    # when they press Pay
    customer.http.post(customer.url("pay"))

    # then the order's e-mails will be Dutch
    assert Order.objects.get(pk=customer.order.pk).language == "nl"


@pytest.mark.django_db
def test_staff_see_the_customers_language_on_the_orders_page(client):
    # given an order whose customer reads Dutch
    order = reserved_order()
    Order.objects.filter(pk=order.pk).update(language="nl")

    # when support opens its page
    page = login(client, "desk", role="Support").get(order_url(order)).content.decode()

    # then the contact shows the language by its own name
    contact = page[page.index("Contact") :]
    assert "Nederlands" in contact[: contact.index("Partner data")]
