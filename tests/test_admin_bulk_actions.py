"""Bulk actions of the order list: resend the confirmation, retry lines, reconcile UNKNOWN lines.

Each goes through a service per order or line and leaves an audit event under the staff
member's name; what the lifecycle does not allow is refused with a reason, not done.
"""

import pytest
from django.core import mail
from django.db import transaction

from orders import admin_actions
from orders.models import Order, OrderEvent, OrderLine
from orders.services import confirmation
from orders.vouchers import voucher_secret
from payments.services import finalization
from tessera.actors import Actor
from tests import factories
from tests.admin_support import action, login, shown, unknown_line, voucher_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def support(client):
    return login(client, "desk", role="Support")


def test_resend_confirmation_has_a_worker_email_the_contact_after_commit_and_audits_it(
    support, wallet_partner, worker, known_secrets
):
    # known_secrets: distinct values, where the sandbox's four-digit PIN could match by chance.
    order = voucher_order(wallet_partner, worker=worker)
    mail.outbox.clear()

    response = action(support, "resend_confirmation", [order])
    assert mail.outbox == [], "sent inside the request"
    worker()

    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["buyer@example.com"] and order.reference in email.subject
    assert "50.00 EUR" in email.body and f"/checkout/{order.order_key}/status" in email.body
    for line in order.lines.all():
        assert voucher_secret(line.voucher, "code") not in email.body
        assert voucher_secret(line.voucher, "pin") not in email.body
    sent = OrderEvent.objects.get(order=order, transition="order.confirmation_resent")
    assert (sent.actor_kind, sent.actor_label, sent.payload) == ("staff", "desk", {"channel": "email"})
    assert any(order.reference in message for message in shown(response))


def test_no_confirmation_for_an_order_not_finalized(support, wallet_partner):
    pending = factories.order(owner=wallet_partner, product_obj=factories.product())
    mail.outbox.clear()

    response = action(support, "resend_confirmation", [pending])

    assert mail.outbox == []
    assert any("only finalized orders have a confirmation" in message for message in shown(response))
    assert not OrderEvent.objects.filter(order=pending, transition="order.confirmation_resent").exists()


def test_no_email_leaves_when_the_audit_does_not_commit(wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker, quantity=1)
    mail.outbox.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        confirmation.order_confirmation_resend(order_id=order.pk, actor=Actor.system("t"))
        raise RuntimeError("the request failed after the service")
    worker()

    assert mail.outbox == []
    assert not OrderEvent.objects.filter(order=order, transition="order.confirmation_resent").exists()


def test_retry_lines_sends_unknown_lines_again_and_leaves_failed_ones(support, wallet_partner, worker):
    failed = factories.order(owner=wallet_partner, product_obj=factories.product(behaviour={"fail": "issue"}))
    worker()
    finalization.order_finalize(order_id=failed.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    unknown = unknown_line(wallet_partner, worker=worker)

    response = action(support, "retry_lines", [unknown.order, failed])

    assert OrderLine.objects.get(pk=unknown.pk).status == "ISSUING"
    assert (
        OrderEvent.objects.get(subject_id=str(unknown.pk), transition="line.issuance_retried").actor_label
        == "desk"
    )
    assert set(failed.lines.values_list("status", flat=True)) == {"FAILED"}
    messages = shown(response)
    assert any(f"{unknown.order.reference} line 1 issuing again" in message for message in messages)
    assert any("FAILED line(s) left as they are" in message for message in messages)
    worker()
    assert Order.objects.get(pk=unknown.order_id).status == "FULFILLED"


def test_reconcile_asks_the_supplier_about_unknown_lines(support, wallet_partner, worker):
    line = unknown_line(wallet_partner, worker=worker)

    response = action(support, "reconcile_lines", [line.order])

    asked = OrderEvent.objects.get(subject_id=str(line.pk), transition="line.reconcile_requested")
    assert asked.actor_label == "desk"
    assert any("The supplier is being asked" in message for message in shown(response))
    worker()
    assert OrderLine.objects.get(pk=line.pk).status == "ISSUED"


def test_reconcile_with_nothing_unknown_says_so(support, wallet_partner, worker):
    order = voucher_order(wallet_partner, worker=worker, quantity=1)

    response = action(support, "reconcile_lines", [order])

    assert any("No line of the chosen orders is UNKNOWN" in message for message in shown(response))


def test_an_action_on_too_many_orders_does_nothing(support, wallet_partner, monkeypatch):
    monkeypatch.setattr(admin_actions, "MAX_ORDERS", 2)
    orders = [factories.order(owner=wallet_partner, product_obj=factories.product()) for _ in range(3)]

    response = action(support, "retry_lines", orders)

    assert any("Choose at most 2 orders" in message for message in shown(response))


def test_staff_without_the_permission_do_not_get_the_actions(client, wallet_partner, worker):
    finance = login(client, "money", role="Finance")
    line = unknown_line(wallet_partner, worker=worker)

    page = finance.get("/admin/orders/order/").content.decode()
    action(finance, "retry_lines", [line.order])

    assert "retry_lines" not in page and "resend_confirmation" not in page
    assert OrderLine.objects.get(pk=line.pk).status == "UNKNOWN"
