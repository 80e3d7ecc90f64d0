"""The staff's main journeys in the back office, in a real Chromium driven by Playwright (issue 6).

A support agent finds an order by its customer's email and follows its timeline; finance refunds
one line and tops up a wallet; an admin reveals a voucher code, while the support agent, without
the permission, cannot. The order list fits a 13-inch laptop's window (1366 x 768) without a
sideways scroll; a support agent keeps a note and is refused a refund inside the back office.
Each step logs in through the admin's own login page and clicks what a person would. A
screenshot of each page is saved under docs/screenshots/ (admin-*.png).
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from backoffice.roles import roles_ensure
from orders.models import OrderEvent
from orders.vouchers import voucher_secret
from payments.models import Refund, Wallet
from tests import factories
from tests.admin_support import voucher_order
from tests.conftest import run_worker

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


def staff_user(username: str, role: str):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", f"pw-{username}-2026", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def shop():
    """A wallet partner with a delivered order of two gift cards, and one staff member per role."""
    roles_ensure()
    partner = factories.partner(wallet="2000.00", name="Fjord Travel")
    order = voucher_order(partner, worker=run_worker)
    factories.order(owner=partner, product_obj=factories.product(), contact_email="someone.else@example.com")
    for username, role in (("sigrid", "Support"), ("finn", "Finance"), ("ada", "Admin")):
        staff_user(username, role)
    return order


@pytest.fixture
def browser(monkeypatch):
    """Chromium. Playwright's sync API runs an event loop in this thread, and the tests check the
    database between clicks: Django is told that is deliberate (its async-safety guard)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


LAPTOP = {"width": 1366, "height": 768}


def logged_in(browser, live_server, username: str, viewport: dict | None = None):
    page = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_support_finds_an_order_by_email_and_follows_its_timeline(browser, live_server, shop):
    from playwright.sync_api import expect

    page = logged_in(browser, live_server, "sigrid")
    expect(page.locator("#attention")).to_contain_text("Needs attention")
    shot(page, "admin-dashboard.png")

    page.locator("#orders-order").get_by_role("link", name="Orders").click()
    page.locator("#searchbar").fill("BUYER@example.com")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text(shop.reference)
    shot(page, "admin-search.png")

    page.get_by_role("link", name=shop.reference).click()
    expect(page.locator("h2", has_text="Timeline")).to_be_visible()
    timeline = page.locator("#events-group")
    expect(timeline).to_contain_text("RESERVED → ISSUING")
    expect(timeline).to_contain_text("fulfill")
    expect(page.locator("#vouchers")).to_contain_text("needs the “reveal voucher” permission")
    expect(page.get_by_role("link", name="Refund…")).to_have_count(0)
    shot(page, "admin-order.png")


def test_finance_refunds_one_line_and_sees_its_progress(browser, live_server, shop):
    from playwright.sync_api import expect

    page = logged_in(browser, live_server, "finn")
    page.goto(f"{live_server.url}/admin/orders/order/{shop.pk}/change/")
    page.get_by_role("link", name="Refund…").click()
    expect(page.locator("#refundable")).to_contain_text("50.00 EUR")
    expect(page.locator('input[name="lines"]:checked')).to_have_count(0)
    page.get_by_label("#1", exact=False).check()
    page.get_by_label("Reason").select_option("goodwill")
    page.get_by_label("Note").fill("Second card never arrived by email")
    shot(page, "admin-refund.png")
    page.get_by_role("button", name="Review the refund…").click()
    expect(page.locator("#refund-review")).to_contain_text("up to 25.00 EUR")
    expect(page.locator("#refund-review")).to_contain_text("Back to Fjord Travel's wallet")
    assert not Refund.objects.filter(order=shop).exists()
    shot(page, "admin-refund-review.png")
    page.get_by_role("button", name="Confirm refund").click()

    expect(page.locator(".messagelist")).to_contain_text("Refund of 25.00 EUR requested for line(s) 1")
    refund = Refund.objects.get(order=shop)
    assert (refund.requested_by, refund.amount) == ("finn", Decimal("25.00"))
    run_worker()
    page.reload()
    expect(page.locator("#refunds-group")).to_contain_text("SUCCEEDED")
    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"


def test_an_admin_reveals_a_voucher_and_support_cannot(browser, live_server, shop):
    from playwright.sync_api import expect

    voucher = shop.lines.get(position=1).voucher
    code = voucher_secret(voucher, "code")

    page = logged_in(browser, live_server, "ada")
    page.goto(f"{live_server.url}/admin/orders/order/{shop.pk}/change/")
    expect(page.locator("#vouchers")).not_to_contain_text(code)
    page.locator("#vouchers").get_by_role("link", name="Reveal…").first.click()
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#revealed")).to_contain_text(code)
    shot(page, "admin-reveal.png")
    assert OrderEvent.objects.filter(transition="voucher.revealed", actor_label="ada").count() == 1

    support = logged_in(browser, live_server, "sigrid")
    support.goto(f"{live_server.url}/admin/orders/voucher/{voucher.pk}/reveal/")
    expect(support.locator("#content-main")).to_contain_text("needs the “reveal voucher” permission")
    expect(support.get_by_role("button", name="Reveal")).to_have_count(0)
    expect(support.locator("#content-main")).not_to_contain_text(code)
    shot(support, "admin-reveal-refused.png")
    assert OrderEvent.objects.filter(transition="voucher.revealed").count() == 1


def test_finance_tops_up_a_wallet_with_a_reason(browser, live_server, shop):
    from playwright.sync_api import expect

    wallet = Wallet.objects.get(partner=shop.partner)
    before = wallet.balance
    page = logged_in(browser, live_server, "finn")
    page.goto(f"{live_server.url}/admin/payments/wallet/{wallet.pk}/change/")
    page.get_by_role("link", name="Top up…").click()
    page.get_by_label("Amount (EUR)").fill("500.00")
    page.get_by_label("Reason").fill("Bank transfer 2026-11-20, ref NX-88")
    shot(page, "admin-top-up.png")
    page.get_by_role("button", name="Top up").click()

    expect(page.locator(".messagelist")).to_contain_text("Added 500.00 EUR")
    expect(page.locator(".field-ledger")).to_contain_text("Bank transfer 2026-11-20, ref NX-88")
    assert Wallet.objects.get(pk=wallet.pk).balance == before + Decimal("500.00")
    assert all((SCREENSHOTS / name).exists() for name in ("admin-top-up.png", "admin-refund.png"))


def test_the_order_list_fits_a_laptop_and_support_keeps_a_note(browser, live_server, shop):
    from playwright.sync_api import expect

    page = logged_in(browser, live_server, "sigrid", viewport=LAPTOP)
    page.goto(f"{live_server.url}/admin/orders/order/")
    results = page.locator("#changelist .results")
    expect(page.locator("#result_list")).to_contain_text("buyer@example.com")
    width, room = results.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert width <= room, f"the list is {width} px wide in a {room} px box"
    reference = page.locator("#result_list .field-reference a").first
    assert reference.evaluate("link => link.getClientRects().length") == 1  # not wrapped at its hyphen
    shot(page, "admin-order-list.png")

    page.goto(f"{live_server.url}/admin/orders/order/{shop.pk}/change/")
    page.get_by_label("New note").fill("Customer called: second card bounced, resent by email.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text("second card bounced")
    expect(page.locator("#notes")).to_contain_text("sigrid")
    shot(page, "admin-order-note.png")

    page.goto(f"{live_server.url}/admin/orders/order/{shop.pk}/refund/")
    expect(page.locator("#content-main")).to_contain_text("Refunding needs the “Can add refund” permission")
    expect(page.locator("#site-name")).to_be_visible()
    shot(page, "admin-refund-refused.png")
