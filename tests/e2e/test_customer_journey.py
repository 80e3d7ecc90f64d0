"""The customer's whole journey in a real Chromium driven by Playwright (issue 4, point 7).

A gateway partner (the demo's CityBreaks) creates an order and opens checkout over the API; its
customer opens the checkout page, pays on the sandbox bank's page, lands back on the partner's
site with ``?return=<order_key>``, and finds the order paid, its tickets and its receipt on the
status page. A real worker process runs beside the live server, as under `make run`: the bank's
callback travels over real HTTP to the live server. A screenshot of each
page is saved under docs/screenshots/.
"""

import json
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from orders.models import OrderEvent
from payments.models import Payment, ProviderEvent
from suppliers.models import Product
from tests.worker_processes import WorkerProcess

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOT_NAMES = ("checkout.png", "provider.png", "status-paid.png", "tickets.png", "receipt.png")
WAIT_SECONDS = 30
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


class PartnerSite(BaseHTTPRequestHandler):
    """The partner's own web site: a thank-you page the customer is sent back to."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        key = parse_qs(urlsplit(self.path).query).get("return", ["?"])[-1]
        body = (
            '<!doctype html><html lang="en"><head><title>Thank you · CityBreaks</title></head><body>'
            "<h1>Thank you for booking with CityBreaks</h1>"
            f'<p>Your order key: <code id="key">{key}</code></p>'
            "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def partner_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PartnerSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def api(base_url: str, key: str, method: str, path: str, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    request = urllib.request.Request(  # noqa: S310 - the live test server
        base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.fixture
def running_worker():
    """A real db_worker process beside the live server, as under `make run`."""
    process = WorkerProcess("journey", SANDBOX_TIME_SCALE="0")
    yield process
    process.stop()


def poll(what: str, read, done) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        time.sleep(0.2)
    raise AssertionError(f"after {WAIT_SECONDS}s still not {what}: {value}")


def test_customer_pays_on_the_hosted_page_and_finds_tickets_and_receipt(
    live_server, partner_site, settings, running_worker
):
    from playwright.sync_api import expect, sync_playwright

    settings.PUBLIC_BASE_URL = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # Given the demo's gateway partner with an API key
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("create_api_key", "citybreaks", "--name", "journey", "--quiet", stdout=out)
    key = out.getvalue().strip()
    train = Product.objects.get(supplier_reference="OSL-BGO-0725")
    oslo_zone = train.starts_at.astimezone(train.zone).tzname()  # CET or CEST

    # When the partner quotes, creates the order, waits for the reservation and opens checkout
    offer = api(live_server.url, key, "POST", "/api/v1/offers", {"productId": train.pk, "quantity": 2})
    order = api(
        live_server.url,
        key,
        "POST",
        "/api/v1/orders",
        {
            "offers": [offer["id"]],
            "travellers": [
                {"givenName": "Ada", "familyName": "Lovelace"},
                {"givenName": "Charles", "familyName": "Babbage"},
            ],
            "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
        },
    )
    ready = poll(
        "ready for checkout",
        lambda: api(live_server.url, key, "GET", f"/api/v1/orders/{order['id']}"),
        lambda body: "checkout" in body["availableActions"],
    )
    checkout = api(
        live_server.url,
        key,
        "POST",
        f"/api/v1/orders/{order['id']}/checkout",
        {"returnUrl": f"{partner_site}/thanks?lang=en"},
    )
    order_key = checkout["orderKey"]
    assert checkout["url"] == f"{live_server.url}/checkout/{order_key}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})  # a 13-inch laptop

            # the customer opens the checkout page: the order, travellers, total with VAT, Pay
            page.goto(checkout["url"])
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay for order {ready['reference']}")
            expect(page.get_by_text("Charles Babbage").first).to_be_visible()
            expect(page.get_by_text("192.64 EUR").first).to_be_visible()  # 12 % VAT inside 1798.00
            expect(page.get_by_text(f"07:25 {oslo_zone}").first).to_be_visible()  # on Oslo's clocks
            expect(page.get_by_role("button", name="Pay 1798.00 EUR")).to_be_in_viewport(ratio=1)
            page.screenshot(path=SCREENSHOTS / "checkout.png", full_page=True)

            # presses Pay and lands on the sandbox bank's hosted page
            page.get_by_role("button", name="Pay 1798.00 EUR").click()
            page.wait_for_url("**/payments/sandbox-bank/**")
            expect(page.get_by_role("heading", level=1)).to_have_text("Pay 1798.00 EUR")
            expect(
                page.get_by_text(f"Order {ready['reference']} at CityBreaks App (gateway)")
            ).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "provider.png", full_page=True)

            # pays, and is sent back through Tessera to the partner's site with ?return=<order_key>
            page.get_by_role("button", name="Pay 1798.00 EUR").click()
            page.wait_for_url(f"{partner_site}/thanks**")
            query = parse_qs(urlsplit(page.url).query)
            assert query == {"lang": ["en"], "return": [order_key]}
            expect(page.locator("#key")).to_have_text(order_key)

            # the status page shows the order paid and, once the worker issued it, complete
            status_page = f"{live_server.url}/checkout/{order_key}/status"

            def order_status_words() -> str:
                page.goto(status_page)
                return page.locator("#order-status").inner_text()

            poll("issued", order_status_words, lambda words: words == "Complete: your tickets are ready")
            expect(page.locator("#payment-status")).to_have_text("Paid")
            expect(page.locator("#payment-status")).to_have_attribute("data-status", "paid")
            expect(page.locator("#order-status")).to_have_text("Complete: your tickets are ready")
            page.screenshot(path=SCREENSHOTS / "status-paid.png", full_page=True)

            page.get_by_role("link", name="Your tickets").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Your tickets")
            expect(page.locator("article.ticket")).to_have_count(2)
            expect(page.get_by_text("Ticket code").first).to_be_visible()
            expect(page.get_by_text("NSR:StopPlace")).to_have_count(0)
            page.screenshot(path=SCREENSHOTS / "tickets.png", full_page=True)

            page.goto(f"{live_server.url}/checkout/{order_key}/status")
            page.get_by_role("link", name="Receipt").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Receipt")
            expect(page.get_by_text("Paid online (sandbox)")).to_be_visible()
            expect(page.locator("#seller")).to_contain_text("NO 999 999 999 MVA")
            page.screenshot(path=SCREENSHOTS / "receipt.png", full_page=True)
            pdf = page.request.get(f"{live_server.url}/checkout/{order_key}/receipt.pdf")
            assert pdf.ok and pdf.body().startswith(b"%PDF")
        finally:
            browser.close()

    # and the order was paid once, confirmed by the bank's callback over HTTP too, and finalized once
    poll(
        "told by the bank's callback",
        lambda: ProviderEvent.objects.filter(payment__order_id=order["id"]).count(),
        lambda count: count == 1,
    )
    assert Payment.objects.get(order_id=order["id"]).status == "PAID"
    assert (
        OrderEvent.objects.filter(
            order_id=order["id"], subject_type="order", transition="order.finalized"
        ).count()
        == 1
    )
    assert all((SCREENSHOTS / name).stat().st_size > 0 for name in SCREENSHOT_NAMES)
