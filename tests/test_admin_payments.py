"""Payments and refunds in the back office: a payment with the provider's events, a refund's progress.

Given a gateway payment confirmed by the provider's callback and a refund that went through the
supplier and back to the wallet, when staff open their pages, then the payment lists what the
provider said and each page shows its own timeline, read-only.
"""

import pytest
from django.test import Client
from django.urls import reverse

from payments.models import Payment, Refund
from payments.services import gateway
from payments.services.refunds import refund_request
from sandbox import bank as sandbox_bank
from tessera.actors import Actor
from tests.admin_support import delivered_order, login
from tests.gateway_support import reserved_order
from tests.test_gateway_callbacks import CALLBACK_URL, paid_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_payment_shows_its_provider_events_and_timeline(client):
    payment = gateway.payment_start(order_id=reserved_order().pk)
    body = paid_event(payment)
    Client().post(
        CALLBACK_URL,
        data=body,
        content_type="application/json",
        headers={sandbox_bank.SIGNATURE_HEADER: sandbox_bank.sign(body)},
    )
    finance = login(client, "money", role="Finance")

    page = finance.get(reverse("admin:payments_payment_change", args=[payment.pk])).content.decode()

    assert Payment.objects.get(pk=payment.pk).status == "PAID"
    assert "Provider events" in page and f"evt_{payment.provider_reference}_paid" in page
    assert "PENDING → PAID" in page and ">PAID</span>" in page


def test_a_refund_shows_its_progress(client, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    refund = refund_request(
        order_id=order.pk,
        line_ids=None,
        reason="requested",
        note="",
        actor=Actor.partner(wallet_partner),
        idempotency_key="k",
    )
    worker()
    finance = login(client, "money", role="Finance")

    page = finance.get(reverse("admin:payments_refund_change", args=[refund.pk])).content.decode()

    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"
    progress = page[page.index("Progress") :]
    for step in (
        "Refund requested",
        "Refunded by the supplier",
        "REQUESTED → PROCESSING",
        "PROCESSING → SUCCEEDED",
    ):
        assert step in progress


def test_payments_and_refunds_are_found_by_their_order_or_provider_reference(client, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    other = delivered_order(wallet_partner, worker=worker)
    refund = refund_request(
        order_id=order.pk,
        line_ids=None,
        reason="requested",
        note="",
        actor=Actor.system("t"),
        idempotency_key="r",
    )
    payment = Payment.objects.get(order=order)
    finance = login(client, "money", role="Finance")

    def found(model: str, term: str) -> set[str]:
        response = finance.get(reverse(f"admin:payments_{model}_changelist"), {"q": term})
        return {str(row.pk) for row in response.context["cl"].result_list}

    assert found("payment", order.reference.lower()) == {str(payment.pk)}
    assert found("payment", payment.provider_reference) == {str(payment.pk)}
    assert found("refund", order.reference) == {str(refund.pk)}
    assert found("payment", other.reference) == {str(Payment.objects.get(order=other).pk)}
