"""The order's page in the back office says which versions list each traveller: one an amendment
took out is shown with the versions that had them, not as if still travelling."""

import html
import re

import pytest

from orders.services import amendments
from orders.services.amendments import TravellerChange
from payments.services.amendment_confirmation import amendment_confirm
from tessera.actors import Actor
from tests import factories
from tests.admin_support import login, order_url
from tests.amendment_support import delivered_train_order, lines
from tests.refund_support import delivered

pytestmark = pytest.mark.django_db(transaction=True)


def traveller_versions(page: str) -> list[str]:
    """The "in versions" cells of the travellers' table, in order."""
    return [cell.strip() for cell in re.findall(r'class="field-versions">\s*<p>([^<]*)</p>', page)]


def test_a_removed_traveller_is_shown_with_the_versions_that_had_them(client, wallet_partner, worker):
    # Given a delivered two-ticket order whose version 2 removes the second traveller's ticket
    order = delivered_train_order(wallet_partner, worker=worker)
    actor = Actor.partner(wallet_partner)
    amendments.amendment_open(order_id=order.pk, remove=[lines(order)[1].pk], actor=actor)
    amendment_confirm(order_id=order.pk, number=2, expected_balance="-100.00", actor=actor)
    worker()

    # When support opens the order's page
    page = login(client, "helper", role="Support").get(order_url(order)).content.decode()

    # Then the first traveller is listed from version 1 on, the second in version 1 only
    assert traveller_versions(page) == ["from 1", "1 only"]


def test_a_corrected_traveller_is_shown_in_the_versions_difference(client, wallet_partner, worker):
    # Given a delivered order whose version 2 corrects the first traveller's family name
    product = factories.product(price="100.00")
    product.allows_traveller_change = True
    product.save()
    order = delivered(wallet_partner, product, worker=worker, quantity=1)
    actor = Actor.partner(wallet_partner)
    old = order.travellers.get()
    change = TravellerChange(traveller_id=old.pk, details={"family_name": "Lovelace"})
    amendments.amendment_open(order_id=order.pk, travellers=[change], actor=actor)
    amendment_confirm(order_id=order.pk, number=2, expected_balance="0.00", actor=actor)

    # When support opens the order's page
    page = login(client, "helper", role="Support").get(order_url(order)).content.decode()

    # Then version 2's difference names the traveller it corrected and the row that replaces them
    assert f"~ traveller 1 {old.given_name} {old.family_name} → 2 {old.given_name} Lovelace" in html.unescape(
        page
    )
