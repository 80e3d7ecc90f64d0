"""A line's page counts every call made to its supplier, a timed-out one included.

Given a line whose issue call timed out (UNKNOWN), when staff open its page, then it shows one
supplier attempt, not zero; a reservation that succeeded on its third call (two busy answers
first) counts three. The page's buttons sit in one row, spaced like the admin's own.
"""

import re

import pytest
from django.urls import reverse

from orders.models import OrderLine
from orders.services.fulfilment import line_reserve
from tests import factories
from tests.admin_support import login, unknown_line

pytestmark = pytest.mark.django_db(transaction=True)


def attempts_shown(page: str) -> str:
    field = page[page.index("field-supplier_attempts") :]
    return re.search(r'<div class="readonly">([^<]*)</div>', field).group(1)


def test_a_timed_out_issue_call_counts_as_an_attempt(client, wallet_partner, worker):
    line = unknown_line(wallet_partner, worker=worker)
    staff = login(client, "boss", superuser=True)

    page = staff.get(reverse("admin:orders_orderline_change", args=[line.pk])).content.decode()

    assert line.status == "UNKNOWN" and line.supplier_attempts == 1
    assert attempts_shown(page) == "1"


def test_a_reservation_after_two_busy_answers_counts_three_attempts(wallet_partner, worker):
    product = factories.product(behaviour={"transient_failures": 2})
    order = factories.order(owner=wallet_partner, product_obj=product, quantity=1)

    worker()

    line = OrderLine.objects.get(order=order)
    assert (line.status, line.supplier_attempts) == ("RESERVED", 3)


def test_a_refused_call_counts_as_an_attempt(wallet_partner):
    product = factories.product(behaviour={"fail": "reserve"})
    order = factories.order(owner=wallet_partner, product_obj=product, quantity=1)
    line = order.lines.get()

    line_reserve(line_id=line.pk)

    line.refresh_from_db()
    assert (line.status, line.supplier_attempts) == ("FAILED", 1)


def test_the_buttons_are_list_items_spaced_alike(client, wallet_partner, worker):
    line = unknown_line(wallet_partner, worker=worker)
    staff = login(client, "boss", superuser=True)

    page = staff.get(reverse("admin:orders_orderline_change", args=[line.pk])).content.decode()

    tools = page[page.index('class="object-tools"') : page.index("</ul>", page.index('class="object-tools"'))]
    assert "</li><li>" not in tools
