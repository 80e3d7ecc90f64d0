"""Revealing a voucher in the back office: one at a time, only with the permission, always audited.

Given a delivered gift card, when staff holding "reveal voucher" press Reveal, then its code, PIN,
link and supplier secret show on a page no browser may store, and the reveal is in the order's
timeline; staff without the permission are refused (and that is recorded too); lists and searches
show codes masked.
"""

import pytest
from django.urls import reverse

from orders.models import OrderEvent
from orders.services.revocation import voucher_revoke
from orders.vouchers import voucher_secret
from tessera.actors import Actor
from tests.admin_support import login, shown, voucher_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def voucher(wallet_partner, worker):
    return voucher_order(wallet_partner, worker=worker, quantity=1).lines.get().voucher


def reveal_url(voucher) -> str:
    return reverse("admin:orders_voucher_reveal", args=[voucher.pk])


def test_staff_with_the_permission_see_every_secret_once_they_press_reveal(client, voucher):
    admin = login(client, "boss", role="Admin")
    code, pin = voucher_secret(voucher, "code"), voucher_secret(voucher, "pin")

    before = admin.get(reveal_url(voucher))
    revealed = admin.post(reveal_url(voucher))

    assert code not in before.content.decode() and 'value="Reveal"' in before.content.decode()
    page = revealed.content.decode()
    assert revealed.status_code == 200 and "no-store" in revealed["Cache-Control"]
    assert code in page and pin in page and voucher_secret(voucher, "url") in page
    assert voucher_secret(voucher, "supplier_secret") in page
    audit = OrderEvent.objects.get(subject_id=str(voucher.pk), transition="voucher.revealed")
    assert (audit.actor_kind, audit.actor_label, audit.payload["channel"]) == ("staff", "boss", "admin")
    assert code not in str(audit.payload)


def test_staff_without_the_permission_are_refused_and_the_refusal_is_recorded(client, voucher):
    support = login(client, "desk", role="Support")

    page = support.get(reveal_url(voucher)).content.decode()
    refused = support.post(reveal_url(voucher))

    assert "needs the “reveal voucher” permission" in page and 'value="Reveal"' not in page
    assert refused.status_code == 403
    assert voucher_secret(voucher, "code") not in refused.content.decode()
    assert OrderEvent.objects.filter(subject_id=str(voucher.pk), transition="voucher.reveal_refused").exists()
    assert not OrderEvent.objects.filter(subject_id=str(voucher.pk), transition="voucher.revealed").exists()


def test_a_revoked_voucher_is_not_revealed(client, voucher):
    voucher_revoke(voucher_id=voucher.pk, reason="stolen", actor=Actor.system("t"))
    admin = login(client, "boss", role="Admin")

    response = admin.post(reveal_url(voucher))

    assert response.status_code == 302
    assert any("revoked" in message for message in shown(response))
    assert not OrderEvent.objects.filter(subject_id=str(voucher.pk), transition="voucher.revealed").exists()


def test_the_voucher_list_shows_codes_masked_and_finds_vouchers_by_their_order(client, voucher):
    support = login(client, "desk", role="Support")
    code = voucher_secret(voucher, "code")
    url = reverse("admin:orders_voucher_changelist")

    listed = support.get(url).content.decode()
    found = support.get(url, {"q": voucher.line.order.reference.lower()}).content.decode()
    by_code = support.get(url, {"q": code}).content.decode()

    assert code not in listed and "••••••" in listed
    assert str(voucher.pk) in found and code not in found
    assert f"/admin/orders/voucher/{voucher.pk}/" not in by_code  # codes are not searchable
