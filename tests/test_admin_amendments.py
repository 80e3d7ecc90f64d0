"""The back office and amendments: versions on the order's page, confirm and reset for Finance."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderVersion
from orders.services import amendments
from orders.services.amendments import Exchange
from tessera.actors import Actor
from tests.admin_support import action, login, order_url, shown
from tests.amendment_support import delivered_train_order, ledger_out, lines, offer_for, paid_minus_refunded

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def drafted(wallet_partner, worker) -> Order:
    """A delivered order whose first ticket a draft exchanges for one 25.00 dearer, reserved."""
    order = delivered_train_order(wallet_partner, worker=worker)
    offer = offer_for(wallet_partner, price="125.00")
    amendments.amendment_open(
        order_id=order.pk,
        exchange=[Exchange(line_id=lines(order)[0].pk, offer_id=offer.pk)],
        actor=Actor.partner(wallet_partner),
    )
    worker()
    return order


def test_finance_sees_the_draft_with_its_difference_and_confirms_it(client, drafted, worker):
    finance = login(client, "money", role="Finance")

    # the order's page lists the draft with what it changes
    page = finance.get(order_url(drafted)).content.decode()
    assert "Versions (amendments" in page
    assert "+ line 3" in page and "− line 1" in page

    # confirming it from the order list runs the same service: 25.00 debited, version 2 current
    response = action(finance, "confirm_amendments", [drafted])
    worker()
    assert shown(response) == [f"{drafted.reference} version 2 confirmed."]
    drafted.refresh_from_db()
    assert (drafted.version, drafted.status) == (2, "FULFILLED")
    assert ledger_out(drafted) == paid_minus_refunded(drafted) == Decimal("225.00")


def test_support_cannot_confirm_or_reset_an_amendment(client, drafted):
    support = login(client, "desk", role="Support")

    page = support.get("/admin/orders/order/").content.decode()
    action(support, "reset_amendments", [drafted])

    assert "confirm_amendments" not in page and "reset_amendments" not in page
    assert OrderVersion.objects.get(order=drafted).status == "DRAFT"


def test_finance_resets_a_draft(client, drafted, worker):
    finance = login(client, "money", role="Finance")

    response = action(finance, "reset_amendments", [drafted])
    worker()

    assert shown(response) == [f"{drafted.reference} version 2 reset."]
    assert OrderVersion.objects.get(order=drafted).status == "DISCARDED"
    assert lines(drafted)[2].status == "RELEASED"
