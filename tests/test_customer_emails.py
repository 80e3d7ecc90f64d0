"""Customer e-mails: order confirmed, tickets ready, refund processed, payment failed. Sent by
a worker after the event commits, for hosted-checkout orders always and for a partner's orders
when the partner turns it on; once per event even when the task runs twice; retried when the
mail server fails; never with a voucher's secret."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django_tasks_db.models import DBTaskResult

from notifications import tasks
from notifications.models import SentEmail
from orders.models import Order
from orders.vouchers import voucher_secret
from payments.providers.base import PaymentState
from payments.services import finalization, gateway
from payments.services.refunds import refund_request
from suppliers.models import SupplierKind
from tessera.actors import Actor
from tests import factories, gateway_support
from tests.refund_support import delivered

pytestmark = pytest.mark.django_db(transaction=True)


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


@pytest.fixture
def emailing_partner(db):
    partner = factories.partner(wallet="1000.00")
    partner.customer_emails = True
    partner.save(update_fields=["customer_emails"])
    return partner


def test_a_partner_that_turned_emails_on_has_its_customer_told_of_confirmation_and_tickets(
    emailing_partner, worker
):
    mail.outbox.clear()
    order = delivered(
        emailing_partner,
        factories.product(kind=SupplierKind.VOUCHER),
        worker=worker,
        quantity=1,
    )

    assert subjects() == [
        f"Your order {order.reference} is confirmed",
        f"Your tickets for order {order.reference} are ready",
    ]
    confirmed, ready = mail.outbox
    assert confirmed.to == ready.to == ["buyer@example.com"]
    status_page = f"/checkout/{order.order_key}/status"
    assert status_page in ready.body and status_page in ready.alternatives[0].content
    line = order.lines.get()
    for secret in [voucher_secret(line.voucher, "code"), voucher_secret(line.voucher, "pin")]:
        assert secret not in ready.body and secret not in ready.alternatives[0].content
    assert SentEmail.objects.filter(order=order, sent_at__isnull=False).count() == 2


def test_a_partner_that_did_not_turn_emails_on_has_no_email_sent(wallet_partner, worker):
    mail.outbox.clear()

    delivered(wallet_partner, factories.product(), worker=worker)

    assert mail.outbox == []


def test_an_order_whose_customer_gets_no_email_queues_no_email_task(emailing_partner, wallet_partner, worker):
    # Given orders of a partner that does not e-mail its customers, and of one that does but
    # without a contact address
    quiet = delivered(wallet_partner, factories.product(), worker=worker)
    unreachable = factories.order(owner=emailing_partner, product_obj=factories.product(), quantity=1)
    Order.objects.filter(pk=unreachable.pk).update(contact_email="")
    worker()
    finalization.order_finalize(
        order_id=unreachable.pk, method="wallet", actor=Actor.partner(emailing_partner)
    )
    worker()

    # Then neither order's events queued an e-mail task (and none was sent)
    for order in (quiet, unreachable):
        queued = DBTaskResult.objects.filter(
            task_path="notifications.tasks.send_customer_email", args_kwargs__kwargs__order_id=str(order.pk)
        )
        assert not queued.exists()
    assert not SentEmail.objects.exists()


def test_hosted_checkout_customers_are_emailed_whatever_the_partner_setting(worker):
    order = gateway_support.reserved_order()
    mail.outbox.clear()

    gateway_support.paid(order)
    worker()

    assert subjects() == [
        f"Your order {order.reference} is confirmed",
        f"Your tickets for order {order.reference} are ready",
    ]


def test_a_failed_payment_tells_the_customer_where_to_try_again(worker):
    order = gateway_support.reserved_order()
    mail.outbox.clear()
    payment = gateway.payment_start(order_id=order.pk)

    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState.FAILED, actor=Actor.system("t"), source="test"
    )
    worker()

    (email,) = mail.outbox
    assert email.subject == f"The payment of order {order.reference} did not go through"
    assert f"/checkout/{order.order_key}/" in email.body


def test_a_refund_that_succeeded_tells_its_amount(emailing_partner, worker):
    order = delivered(emailing_partner, factories.product(price="100.00"), worker=worker, quantity=1)
    mail.outbox.clear()

    refund_request(
        order_id=order.pk,
        line_ids=None,
        reason="requested",
        note="plans changed",
        actor=Actor.partner(emailing_partner),
        idempotency_key="r1",
    )
    worker()

    refunded = [message for message in mail.outbox if "refund" in message.subject]
    assert [message.subject for message in refunded] == [f"Your refund for order {order.reference}"]
    assert "100.00 EUR" in refunded[0].body


def test_a_task_run_twice_sends_once(emailing_partner, worker):
    order = delivered(emailing_partner, factories.product(), worker=worker, quantity=1)
    mail.outbox.clear()
    arguments = {
        "order_id": str(order.pk),
        "kind": "tickets_ready",
        "event_key": f"order:{order.pk}:FULFILLED",
    }

    tasks.send_customer_email.enqueue(**arguments)
    tasks.send_customer_email.enqueue(**arguments)
    worker()

    assert mail.outbox == []
    assert SentEmail.objects.filter(order=order, kind="tickets_ready").count() == 1


def test_a_mail_server_failure_is_retried_by_the_worker(emailing_partner, worker):
    real_send = EmailMultiAlternatives.send
    failures = iter([smtplib.SMTPServerDisconnected("gone")])

    def send_failing_once(message, *args, **kwargs):
        for failure in failures:
            raise failure
        return real_send(message, *args, **kwargs)

    mail.outbox.clear()
    with mock.patch.object(EmailMultiAlternatives, "send", send_failing_once):
        order = delivered(emailing_partner, factories.product(), worker=worker, quantity=1)
        worker()

    assert sorted(subjects()) == sorted(
        [f"Your order {order.reference} is confirmed", f"Your tickets for order {order.reference} are ready"]
    )
    retried = DBTaskResult.objects.filter(
        task_path="notifications.tasks.send_customer_email", return_value="retrying"
    )
    assert retried.count() == 1


def test_nothing_is_sent_inside_the_request_that_caused_it(emailing_partner, worker):
    mail.outbox.clear()
    order = factories.order(owner=emailing_partner, product_obj=factories.product())
    worker()
    from payments.services.finalization import order_finalize

    order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(emailing_partner))

    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.send_customer_email").exists()


def test_a_partner_turns_customer_emails_on_through_the_api(api):
    assert api.get("/partner").json()["customerEmails"] is False

    changed = api.patch("/partner", {"customerEmails": True})

    assert changed.status_code == 200, changed.content
    assert changed.json()["customerEmails"] is True
    api.partner.refresh_from_db()
    assert api.partner.customer_emails is True
