"""Roles: Support, Finance and Admin each can do exactly their part, through the admin's own URLs.

``manage.py ensure_roles`` creates the groups; each test logs in a user of one group and sends
the very request the admin page would (a transition form, an action, a refund or top-up form, a
reveal), then checks in the database whether it took effect.

| can                                  | Support | Finance | Admin |
|--------------------------------------|---------|---------|-------|
| see orders, payments, wallets        | yes     | yes     | yes   |
| cancel a PENDING order               | yes     | no      | yes   |
| retry lines, resend a confirmation   | yes     | no      | yes   |
| refund                               | no      | yes     | yes   |
| top up a wallet                      | no      | yes     | yes   |
| close an invoice period              | no      | yes     | yes   |
| reveal a voucher                     | no      | no      | yes   |
| change a partner                     | no      | no      | yes   |
"""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from orders.models import Order, OrderEvent, OrderLine, Partner
from payments.models import Invoice, Refund, Wallet
from tests import factories
from tests.admin_support import (
    action,
    delivered_order,
    form_key,
    login,
    order_url,
    transition_url,
    unknown_line,
    voucher_order,
)
from tests.invoicing_support import billed_order, product

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("Support", "Finance", "Admin")


def can(*allowed: str):
    """Parametrize a test over the roles, with whether each may do it."""
    return pytest.mark.parametrize(("role", "allowed"), [(role, role in allowed) for role in ROLES])


@pytest.fixture
def staff(client, role):
    return login(client, role.lower(), role=role)


def test_ensure_roles_creates_the_groups_and_is_safe_to_run_again():
    out = StringIO()
    call_command("ensure_roles", stdout=out)
    support = Group.objects.get(name="Support")
    support.permissions.clear()  # someone changed the group by hand

    call_command("ensure_roles", stdout=out)

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    assert support.permissions.filter(codename="change_order").exists()
    assert not support.permissions.filter(codename__in=["reveal_voucher", "add_refund"]).exists()
    assert "Role Support:" in out.getvalue()


@can("Support", "Finance", "Admin")
def test_every_role_sees_orders_payments_and_wallets(staff, allowed, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    wallet = Wallet.objects.get(partner=wallet_partner)
    pages = [
        reverse("admin:index"),
        reverse("admin:orders_order_changelist"),
        order_url(order),
        reverse("admin:payments_payment_changelist"),
        reverse("admin:payments_wallet_change", args=[wallet.pk]),
    ]

    assert all(staff.get(page).status_code == 200 for page in pages) == allowed


@can("Support", "Admin")
def test_cancel_a_pending_order(staff, allowed, wallet_partner, worker):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    worker()

    staff.post(transition_url(order, "cancel"), {"reason": "asked by phone"})

    assert (Order.objects.get(pk=order.pk).status == "CANCELED") == allowed


@can("Support", "Admin")
def test_retry_lines(staff, allowed, wallet_partner, worker):
    line = unknown_line(wallet_partner, worker=worker)

    action(staff, "retry_lines", [line.order])

    assert (OrderLine.objects.get(pk=line.pk).status == "ISSUING") == allowed


@can("Support", "Admin")
def test_resend_a_confirmation(staff, allowed, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    mail.outbox.clear()

    action(staff, "resend_confirmation", [order])
    worker()

    assert (len(mail.outbox) == 1) == allowed


@can("Finance", "Admin")
def test_refund(staff, allowed, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    url = reverse("admin:orders_order_refund", args=[order.pk])
    form = staff.get(url)
    key = form_key(form.content.decode()) if form.status_code == 200 else "0" * 32

    sent = staff.post(
        url,
        {"lines": [order.lines.get(position=1).pk], "reason": "requested", "key": key, "confirmed": "yes"},
    )

    assert Refund.objects.filter(order=order).exists() == allowed
    assert (sent.status_code == 403) == (not allowed)


@can("Finance", "Admin")
def test_top_up_a_wallet(staff, allowed, wallet_partner):
    wallet = Wallet.objects.get(partner=wallet_partner)
    url = reverse("admin:payments_wallet_top_up", args=[wallet.pk])

    staff.post(url, {"amount": "100.00", "reason": "transfer", "key": "a" * 32})

    assert (Wallet.objects.get(pk=wallet.pk).balance == Decimal("1100.00")) == allowed


@can("Finance", "Admin")
def test_close_an_invoice_period(staff, allowed):
    partner = factories.partner(invoice=True)
    billed_order(partner, (product(), 1), at=datetime(2026, 1, 5, tzinfo=UTC))
    invoice = Invoice.objects.get(partner=partner)

    staff.post(
        reverse("admin:payments_invoice_changelist"),
        {"action": "close_ended_periods", "_selected_action": [invoice.pk]},
    )

    assert (Invoice.objects.get(pk=invoice.pk).status == "CLOSED") == allowed


@can("Admin")
def test_reveal_a_voucher(staff, allowed, wallet_partner, worker):
    voucher = voucher_order(wallet_partner, worker=worker, quantity=1).lines.get().voucher

    response = staff.post(reverse("admin:orders_voucher_reveal", args=[voucher.pk]))

    revealed = OrderEvent.objects.filter(subject_id=str(voucher.pk), transition="voucher.revealed").exists()
    assert revealed == allowed
    assert (response.status_code == 403) == (not allowed)


@can("Admin")
def test_change_a_partner(staff, allowed):
    partner = factories.partner(wallet="10.00")
    data = {
        "name": "Renamed",
        "slug": partner.slug,
        "currency": "EUR",
        "is_active": "on",
        "allows_wallet": "on",
        "rate_limit": "",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }

    staff.post(reverse("admin:orders_partner_change", args=[partner.pk]), data)

    assert (Partner.objects.get(pk=partner.pk).name == "Renamed") == allowed


def test_demo_logins_exist_only_in_development(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("ensure_roles", "--demo-users", stdout=out)
    assert not get_user_model().objects.filter(username="support").exists()

    settings.DEBUG = True
    call_command("ensure_roles", "--demo-users", stdout=out)
    call_command("ensure_roles", "--demo-users", stdout=out)

    support = get_user_model().objects.get(username="support")
    assert support.is_staff and not support.is_superuser and support.check_password("support")
    assert list(support.groups.values_list("name", flat=True)) == ["Support"]
    assert "Staff login (Finance): finance / finance" in out.getvalue()
