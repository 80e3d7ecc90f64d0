"""The customer's pages on a phone (390 × 844) in a real Chromium, in English and Norwegian.

The Pay button is on the first screen (the VAT tables fold away below it), every link and button
is at least 44 px tall, and a paid order's checkout page is not headed "Pay for order".
Screenshots of the phone pages are saved under docs/screenshots/.
"""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from suppliers.models import Product
from tests import factories
from tests.gateway_support import RETURN_URL, paid, reserved_order

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
TOUCH_TARGET_PX = 44

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

SMALL_TARGETS = """(minimum) => [...document.querySelectorAll('a, button, summary')]
    .filter((element) => element.getClientRects().length && getComputedStyle(element).visibility !== 'hidden')
    .filter((element) => !element.classList.contains('skip'))
    .map((element) => [element.textContent.trim(), element.getBoundingClientRect().height])
    .filter(([, height]) => height < minimum)"""


def train_with_vat():
    """Oslo S → Bergen tomorrow at 07:25 in Oslo, 12 % VAT included."""
    product = factories.product(price="899.00")
    oslo = ZoneInfo("Europe/Oslo")
    departure = (timezone.now() + timedelta(days=1)).astimezone(oslo).replace(hour=7, minute=25, second=0)
    Product.objects.filter(pk=product.pk).update(
        name="Oslo S → Bergen, 07:25", tax_rate="12.00", time_zone="Europe/Oslo", starts_at=departure
    )
    return Product.objects.get(pk=product.pk)


def ready_order(quantity: int = 2):
    """A gateway partner's order of ``quantity`` train tickets, ready to pay."""
    owner = factories.partner(gateway=True, name="CityBreaks")
    return reserved_order(owner=owner, product_obj=train_with_vat(), quantity=quantity)


@pytest.fixture
def phone(live_server, settings):
    """Opens a phone-sized page in a given language. Playwright runs an event loop in this thread,
    where Django refuses database queries: a test makes its orders before it opens a page."""
    from playwright.sync_api import sync_playwright

    settings.PUBLIC_BASE_URL = live_server.url
    started = {}

    def open_page(language: str):
        if not started:
            started["playwright"] = sync_playwright().start()
            started["browser"] = started["playwright"].chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        context = started["browser"].new_context(
            viewport=PHONE, locale=language, extra_http_headers={"Accept-Language": language}
        )
        return context.new_page()

    yield open_page
    if started:
        started["browser"].close()
        started["playwright"].stop()


@pytest.mark.parametrize("language, pay", [("en", "Pay 2697.00 EUR"), ("nb", "Betal 2697.00 EUR")])
def test_the_pay_button_is_on_the_first_screen(phone, live_server, language, pay):
    from playwright.sync_api import expect

    # given an order of three train tickets with VAT, ready to pay
    order = ready_order(quantity=3)
    page = phone(language)

    # when the customer opens checkout on a phone
    page.goto(f"{live_server.url}/checkout/{order.order_key}/")

    # then Pay is visible without scrolling, and the VAT table waits folded below it
    button = page.get_by_role("button", name=pay)
    expect(button).to_be_in_viewport(ratio=1)
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= PHONE["height"]
    expect(page.locator("details.vat table")).to_be_hidden()
    page.locator("details.vat summary").click()
    expect(page.locator("details.vat table")).to_be_visible()
    if language == "nb":
        page.locator("details.vat summary").click()
        page.screenshot(path=SCREENSHOTS / "checkout-phone-nb.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "nb"])
def test_every_link_and_button_is_a_44_px_touch_target(phone, live_server, language):
    order = paid(ready_order())
    unpaid = reserved_order()
    page = phone(language)
    urls = [
        f"{live_server.url}/checkout/{order.order_key}/{name}"
        for name in ("", "status", "tickets", "receipt")
    ]
    urls.append(f"{live_server.url}/checkout/{unpaid.order_key}/")

    for url in urls:
        page.goto(url)
        assert page.evaluate(SMALL_TARGETS, TOUCH_TARGET_PX) == [], url

    page.goto(f"{live_server.url}/checkout/{unpaid.order_key}/")
    page.locator(".summary button").click()
    page.wait_for_url("**/sandbox-bank/**")
    assert page.evaluate(SMALL_TARGETS, TOUCH_TARGET_PX) == [], page.url


def test_a_paid_orders_checkout_page_says_it_is_paid(phone, live_server):
    from playwright.sync_api import expect

    order = paid(reserved_order())
    page = phone("en")

    page.goto(f"{live_server.url}/checkout/{order.order_key}/")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.reference} is paid")
    expect(page.get_by_role("link", name="See status, tickets and receipt")).to_be_visible()


def test_a_declined_card_reads_as_such_in_norwegian(phone, live_server):
    from playwright.sync_api import expect

    order = ready_order()
    page = phone("nb")
    page.route(
        f"{RETURN_URL.split('?')[0]}**", lambda route: route.fulfill(body="Takk!")
    )  # the partner's site
    page.goto(f"{live_server.url}/checkout/{order.order_key}/")
    page.get_by_role("button", name="Betal 1798.00 EUR").click()
    page.wait_for_url("**/sandbox-bank/**")

    page.get_by_role("button", name="Avvis kortet").click()
    page.wait_for_url(f"{RETURN_URL.split('?')[0]}**")
    page.goto(f"{live_server.url}/checkout/{order.order_key}/status")

    expect(page.locator("#payment-status")).to_have_text("Kortet ble avvist: ingenting er trukket")
    expect(page.locator("#what-next")).to_contain_text("du kan prøve igjen")
    expect(page.get_by_role("link", name="Prøv igjen")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "status-declined-phone-nb.png", full_page=True)
