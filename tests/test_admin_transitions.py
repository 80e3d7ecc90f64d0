"""Every transition button of the back office: shown only when allowed now and permitted, applied
through the same service as the API, recorded under the staff member's name, with a reason where
one is needed.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderEvent, OrderLine, Voucher
from payments.models import Wallet
from tests import factories
from tests.admin_support import login, order_url, shown, transition_url, unknown_line, voucher_order

pytestmark = pytest.mark.django_db(transaction=True)


def line_url(line) -> str:
    return reverse("admin:orders_orderline_change", args=[line.pk])


def event(subject, name: str) -> OrderEvent:
    return OrderEvent.objects.get(subject_id=str(subject.pk), transition=name)


# --- cancel an order ------------------------------------------------------------------------------


def test_cancel_asks_a_reason_and_cancels_through_the_service(client, wallet_partner, worker):
    order = factories.order(owner=wallet_partner, product_obj=factories.product(), quantity=2)
    worker()
    support = login(client, "desk", role="Support")
    assert transition_url(order, "cancel") in support.get(order_url(order)).content.decode()

    form = support.get(transition_url(order, "cancel"))
    without_reason = support.post(transition_url(order, "cancel"), {"reason": ""})
    done = support.post(transition_url(order, "cancel"), {"reason": "customer called, wrong date"})

    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert without_reason.status_code == 200 and "This field is required." in without_reason.content.decode()
    assert done.status_code == 302 and done["Location"] == order_url(order)
    order.refresh_from_db()
    assert order.status == "CANCELED"
    assert set(order.lines.values_list("status", flat=True)) == {"RELEASED"}
    canceled = event(order, "order.canceled")
    assert (canceled.actor_kind, canceled.actor_label) == ("staff", "desk")
    assert canceled.payload == {"reason": "customer called, wrong date"}
    assert any("canceled" in message for message in shown(done))


def test_a_finalized_order_offers_no_cancel_and_refuses_one_sent_anyway(client, wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker)
    support = login(client, "desk", role="Support")

    page = support.get(order_url(order)).content.decode()
    sent = support.post(transition_url(order, "cancel"), {"reason": "try"})

    assert transition_url(order, "cancel") not in page and "Cancel order…" not in page
    assert sent.status_code == 302
    assert any("not allowed now" in message for message in shown(sent))
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"


def test_a_cancel_sent_after_the_order_moved_on_is_refused_and_changes_nothing(
    client, wallet_partner, worker
):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    worker()
    support = login(client, "desk", role="Support")
    support.get(transition_url(order, "cancel"))
    Order.objects.filter(pk=order.pk).update(status="EXPIRED")  # the expiry sweep got there first

    sent = support.post(transition_url(order, "cancel"), {"reason": "too late"})

    assert sent.status_code == 302  # the button is no longer allowed
    assert Order.objects.get(pk=order.pk).status == "EXPIRED"
    assert not OrderEvent.objects.filter(order=order, transition="order.canceled").exists()


# --- refund: its own page ---------------------------------------------------------------------------


def test_the_refund_button_leads_to_the_refund_form(client, wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker)
    finance = login(client, "money", role="Finance")
    refund_form = reverse("admin:orders_order_refund", args=[order.pk])

    page = finance.get(order_url(order)).content.decode()
    through_the_button = finance.get(transition_url(order, "refund_partially"))

    assert refund_form in page and "Refund…" in page
    assert through_the_button.status_code == 302 and through_the_button["Location"] == refund_form


# --- lines: retry, fail ----------------------------------------------------------------------------


def test_retry_sends_an_unknown_issue_to_the_supplier_again_and_it_is_delivered(
    client, wallet_partner, worker
):
    line = unknown_line(wallet_partner, worker=worker)
    support = login(client, "desk", role="Support")
    assert "Retry the issuance" in support.get(line_url(line)).content.decode()

    done = support.post(transition_url(line, "retry_issuance"), {})

    assert done.status_code == 302
    assert OrderLine.objects.get(pk=line.pk).status == "ISSUING"
    retried = event(line, "line.issuance_retried")
    assert (retried.from_status, retried.to_status, retried.actor_label) == ("UNKNOWN", "ISSUING", "desk")
    worker()
    assert OrderLine.objects.get(pk=line.pk).status == "ISSUED"
    assert Order.objects.get(pk=line.order_id).status == "FULFILLED"


def test_retry_sends_an_unknown_reservation_again(client, wallet_partner, worker):
    line = unknown_line(wallet_partner, worker=worker, phase="reserve")
    support = login(client, "desk", role="Support")
    page = support.get(line_url(line)).content.decode()
    assert "Retry the reservation" in page and "Retry the issuance" not in page

    support.post(transition_url(line, "retry_reservation"), {})

    assert OrderLine.objects.get(pk=line.pk).status == "RESERVING"
    worker()
    assert OrderLine.objects.get(pk=line.pk).status == "RESERVED"


def test_only_staff_who_may_refund_may_fail_an_unknown_line_and_its_money_goes_back(
    client, wallet_partner, worker
):
    line = unknown_line(wallet_partner, worker=worker)
    balance = Wallet.objects.get(partner=wallet_partner).balance
    support = login(client, "desk", role="Support")
    assert "Mark failed…" not in support.get(line_url(line)).content.decode()
    assert support.post(transition_url(line, "mark_failed"), {"reason": "x"}).status_code == 302
    assert OrderLine.objects.get(pk=line.pk).status == "UNKNOWN"

    admin = login(client, "boss", role="Admin")
    assert "Mark failed…" in admin.get(line_url(line)).content.decode()
    admin.post(transition_url(line, "mark_failed"), {"reason": "supplier confirms it was never issued"})

    failed = OrderLine.objects.get(pk=line.pk)
    assert (failed.status, failed.failure_code) == ("FAILED", "FAILED_BY_STAFF")
    assert event(line, "line.failed").actor_label == "boss"
    assert Order.objects.get(pk=line.order_id).status == "FAILED"
    assert Wallet.objects.get(partner=wallet_partner).balance == balance + Decimal("100.00")


def test_a_delivered_line_offers_no_transition(client, wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker, quantity=1)
    admin = login(client, "boss", role="Admin")

    page = admin.get(line_url(order.lines.get())).content.decode()

    assert "transition-button" not in page


# --- vouchers: revoke --------------------------------------------------------------------------------


def test_revoke_asks_a_reason_and_the_voucher_is_no_longer_revealable(client, wallet_partner, worker):
    voucher = voucher_order(wallet_partner, worker=worker, quantity=1).lines.get().voucher
    admin = login(client, "boss", role="Admin")
    page = admin.get(reverse("admin:orders_voucher_change", args=[voucher.pk])).content.decode()
    assert "Revoke…" in page and "Reveal…" in page

    admin.post(transition_url(voucher, "revoke"), {"reason": "reported stolen"})

    voucher.refresh_from_db()
    assert (voucher.status, voucher.revoked_reason) == ("REVOKED", "reported stolen")
    page = admin.get(reverse("admin:orders_voucher_change", args=[voucher.pk])).content.decode()
    assert "Revoke…" not in page and "Reveal…" not in page


def test_support_may_not_revoke(client, wallet_partner, worker):
    voucher = voucher_order(wallet_partner, worker=worker, quantity=1).lines.get().voucher
    support = login(client, "desk", role="Support")

    support.post(transition_url(voucher, "revoke"), {"reason": "x"})

    assert Voucher.objects.get(pk=voucher.pk).status == "ACTIVE"


def test_a_transition_without_a_button_is_not_reachable(client, wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker, quantity=1)
    admin = login(client, "boss", superuser=True)

    response = admin.post(transition_url(order, "fulfill_partially"), {})

    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
