"""The attention dashboard on the admin's home page: what waits for a person, each figure a link.

Given orders and lines in the states that need a person, a refund whose money is owed, a wallet
running low and a stock product running out, when staff open the admin, then each figure counts
them and links to the list filtered to exactly them, in a bounded number of queries.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from payments.services.refunds import refund_request, refund_settle
from tessera.actors import Actor
from tests import factories
from tests.admin_support import delivered_order, login, unknown_line
from tests.inventory_support import stock_product
from tests.refund_support import delivered_by_gateway, reset_script

pytestmark = pytest.mark.django_db(transaction=True)


def figure(page: str, label: str) -> tuple[int, str]:
    """The count and link of the dashboard row whose label starts with ``label``."""
    row = re.search(
        r'<a href="([^"]+)"><strong>(\d+)</strong></a></td><td><a href="[^"]+">' + re.escape(label), page
    )
    assert row, f"no figure {label!r}"
    return int(row.group(2)), unescape(row.group(1))


def listed(client, url: str) -> set[str]:
    return {str(order) for order in client.get(url).context["cl"].result_list}


def test_each_figure_counts_what_waits_and_links_to_exactly_it(client, settings, worker):
    settings.WALLET_LOW_BALANCE = "50.00"
    partner = factories.partner(wallet="1000.00")
    stuck = delivered_order(partner, worker=worker)
    Order.objects.filter(pk=stuck.pk).update(
        status="PROCESSING", finalized_at=timezone.now() - timedelta(hours=2)
    )
    expiring = factories.order(owner=partner, product_obj=factories.product())
    Order.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() + timedelta(minutes=2))
    factories.partner(wallet="12.00", name="Nearly Empty Travel")
    reset_script()
    paid = delivered_by_gateway(factories.partner(gateway=True), factories.product(), worker=worker)
    owed = refund_request(
        order_id=paid.pk,
        line_ids=None,
        reason="requested",
        note="",
        actor=Actor.system("t"),
        idempotency_key="o",
    )
    worker()
    refund_settle(refund_id=owed.pk, state="FAILED", reason="account closed", actor=Actor.system("bank"))
    unknown = unknown_line(partner, worker=worker).order
    staff = login(client, "boss", role="Admin")

    page = staff.get(reverse("admin:index")).content.decode()

    count, url = figure(page, "PROCESSING for more than 15 minutes")
    assert count == 1 and listed(staff, url) == {stuck.reference}
    count, url = figure(page, "lines UNKNOWN")
    assert count == 1 and listed(staff, url) == {unknown.reference}
    count, url = figure(page, "PENDING orders expiring within 10 minutes")
    assert count == 1 and listed(staff, url) == {expiring.reference}
    count, url = figure(page, "refunds whose money is owed")
    assert count == 1 and str(owed.pk) in staff.get(url).content.decode()
    assert "Nearly Empty Travel" in page and "12.00 EUR" in page
    assert f"{partner.name} EUR" not in page[page.index("Wallets running low") :]
    reset_script()


def test_todays_orders_by_status_link_to_todays_list(client, wallet_partner, worker):
    delivered_order(wallet_partner, worker=worker)
    old = factories.order(owner=wallet_partner, product_obj=factories.product())
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    new = factories.order(owner=wallet_partner, product_obj=factories.product())
    staff = login(client, "desk", role="Support")

    page = staff.get(reverse("admin:index")).content.decode()

    pending = re.search(r'<a href="([^"]+)">(\d+)</a></td><td><a href="[^"]+">Pending</a>', page)
    assert pending.group(2) == "1"
    assert listed(staff, unescape(pending.group(1))) == {new.reference}
    assert re.search(r"Today's orders: <a [^>]+>2</a>", page)


def test_figures_show_only_to_staff_who_may_see_their_list(client):
    viewer = login(client, "viewer", perms=("payments.view_wallet",))

    page = viewer.get(reverse("admin:index")).content.decode()

    assert "Wallets running low" in page
    assert "lines UNKNOWN" not in page and "Today's orders" not in page


def test_the_dashboard_costs_the_same_few_queries_however_much_there_is(
    client, wallet_partner, worker, django_assert_max_num_queries
):
    staff = login(client, "boss", role="Admin")
    with django_assert_max_num_queries(16) as empty:
        staff.get(reverse("admin:index"))
    for _ in range(3):
        delivered_order(factories.partner(wallet="500.00"), worker=worker)
        factories.order(owner=wallet_partner, product_obj=factories.product())

    with django_assert_max_num_queries(len(empty.captured_queries)):
        staff.get(reverse("admin:index"))


def test_stock_running_out_shows_with_a_link_to_its_available_codes(client):
    low = stock_product(codes=2, threshold=5)
    stock_product(codes=6, threshold=5)
    staff = login(client, "boss", role="Admin")

    page = staff.get(reverse("admin:index")).content.decode()

    stock = page[page.index("Low stock") :]
    assert low.name in stock and "2 left (warns below 5)" in stock
    link = unescape(re.search(r'<a href="([^"]+)">' + re.escape(low.name), stock).group(1))
    codes = staff.get(link).context["cl"].result_list
    assert len(codes) == 2 and {code.product_id for code in codes} == {low.pk}
