"""Wallets in the back office: balance and latest ledger entries, read-only; a top-up with a reason.

Given a wallet partner, when finance staff top it up with a reason, then one ledger entry is
booked under their name with the reason as its memo, once however often the form is sent; staff
without the permission get neither button nor form.
"""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from payments import admin_wallets
from payments.models import LedgerEntry, Wallet
from payments.services.wallets import wallet_top_up
from tessera.actors import Actor
from tests import factories
from tests.admin_support import form_key, login, shown
from tests.refund_support import assert_wallet_agrees_with_ledger

pytestmark = pytest.mark.django_db


def top_up_url(wallet) -> str:
    return reverse("admin:payments_wallet_top_up", args=[wallet.pk])


def wallet_url(wallet) -> str:
    return reverse("admin:payments_wallet_change", args=[wallet.pk])


@pytest.fixture
def wallet(wallet_partner):
    return Wallet.objects.get(partner=wallet_partner)


def test_a_top_up_books_one_entry_with_the_reason_under_the_staff_members_name(
    client, wallet, wallet_partner
):
    finance = login(client, "money", role="Finance")
    assert top_up_url(wallet) in finance.get(wallet_url(wallet)).content.decode()
    key = form_key(finance.get(top_up_url(wallet)).content.decode())
    data = {"amount": "250.00", "reason": "bank transfer 2026-11-20, ref NX-88", "key": key}

    response = finance.post(top_up_url(wallet), data)
    again = finance.post(top_up_url(wallet), data)  # a double click

    assert response.status_code == 302 and again.status_code == 302
    entry = LedgerEntry.objects.get(wallet=wallet, kind="top_up", actor_label="money")
    assert (entry.amount, entry.memo) == (Decimal("250.00"), "bank transfer 2026-11-20, ref NX-88")
    assert Wallet.objects.get(pk=wallet.pk).balance == Decimal("1250.00")
    assert_wallet_agrees_with_ledger(wallet_partner)
    assert any("Added 250.00 EUR" in message for message in shown(response))
    assert LogEntry.objects.filter(object_id=str(wallet.pk), change_message__contains="250.00 EUR").exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "10.001", "reason": "x"}, "more decimals than EUR allows"),
        ({"amount": "0", "reason": "x"}, "greater than or equal to 0.01"),
        ({"amount": "10.00", "reason": ""}, "This field is required."),
    ],
)
def test_a_top_up_that_is_not_right_is_refused_and_books_nothing(client, wallet, data, error):
    finance = login(client, "money", role="Finance")
    key = form_key(finance.get(top_up_url(wallet)).content.decode())

    response = finance.post(top_up_url(wallet), {**data, "key": key})

    assert response.status_code == 200 and error in response.content.decode()
    assert not LedgerEntry.objects.filter(wallet=wallet, actor_label="money").exists()


def test_staff_without_the_permission_get_no_button_and_no_form(client, wallet):
    support = login(client, "desk", role="Support")

    page = support.get(wallet_url(wallet)).content.decode()
    form = support.get(top_up_url(wallet))
    sent = support.post(top_up_url(wallet), {"amount": "5.00", "reason": "x", "key": "0" * 32})

    assert top_up_url(wallet) not in page
    assert (form.status_code, sent.status_code) == (403, 403)
    assert Wallet.objects.get(pk=wallet.pk).balance == Decimal("1000.00")


def test_the_wallet_page_shows_the_balance_and_the_latest_entries_only(
    client, wallet, wallet_partner, monkeypatch
):
    monkeypatch.setattr(admin_wallets, "LEDGER_SHOWN", 3)
    for n in range(5):
        wallet_top_up(
            partner_id=wallet_partner.pk,
            currency="EUR",
            amount=Decimal(n + 1),
            reference=f"r{n}",
            actor=Actor.system("t"),
            memo=f"memo {n}",
        )
    support = login(client, "desk", role="Support")

    page = support.get(wallet_url(wallet)).content.decode()

    assert "1015.00 EUR" in page
    assert "memo 4" in page and "memo 2" in page and "memo 1" not in page
    assert "Every entry of this wallet" in page


def test_the_low_balance_filter_lists_wallets_under_the_threshold(client, settings):
    settings.WALLET_LOW_BALANCE = "100.00"
    factories.partner(wallet="20.00", name="Low Ltd")
    factories.partner(wallet="500.00", name="Rich Ltd")
    support = login(client, "desk", role="Support")

    page = support.get(reverse("admin:payments_wallet_changelist"), {"low": "yes"}).content.decode()

    assert "Low Ltd" in page and "Rich Ltd" not in page


def test_the_low_balance_filter_counts_what_instant_orders_hold(client, settings):
    # Given a wallet of 500.00 of which 450.00 is held for instant orders not yet paid
    settings.WALLET_LOW_BALANCE = "100.00"
    partner = factories.partner(wallet="500.00", name="Held Ltd")
    Wallet.objects.filter(partner=partner).update(held=Decimal("450.00"))
    support = login(client, "desk", role="Support")

    # When staff list the wallets running low
    page = support.get(reverse("admin:payments_wallet_changelist"), {"low": "yes"}).content.decode()

    # Then it is listed: 50.00 is all its partner can still spend
    assert "Held Ltd" in page
