"""Provider callbacks: only a body signed with the provider's secret in the last five minutes is
applied; anything forged, stale or malformed is refused with 400 and changes nothing."""

import json
import time

import pytest
from django.test import Client

from payments.models import Payment, ProviderEvent, Refund
from payments.services import gateway
from sandbox import bank as sandbox_bank
from tests.gateway_support import reserved_order

pytestmark = pytest.mark.django_db

CALLBACK_URL = "/payments/callbacks/sandbox"


@pytest.fixture
def pending_payment() -> Payment:
    order = reserved_order()
    return gateway.payment_start(order_id=order.pk)


def paid_event(payment: Payment, **changes) -> bytes:
    body = {
        "id": f"evt_{payment.provider_reference}_paid",
        "object": "session",
        "reference": payment.provider_reference,
        "state": "PAID",
        "reason": "",
        **changes,
    }
    return json.dumps(body).encode()


def post(body: bytes, signature: str | None, url: str = CALLBACK_URL):
    headers = {} if signature is None else {sandbox_bank.SIGNATURE_HEADER: signature}
    return Client().post(url, data=body, content_type="application/json", headers=headers)


def assert_nothing_changed(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.status == "PENDING"
    assert payment.order.status == "PENDING"
    assert ProviderEvent.objects.count() == 0


def test_a_correctly_signed_callback_is_applied(pending_payment):
    body = paid_event(pending_payment)

    response = post(body, sandbox_bank.sign(body))

    assert response.status_code == 200
    assert response.json()["outcome"] == "applied"
    pending_payment.refresh_from_db()
    assert pending_payment.status == "PAID"
    assert pending_payment.order.status == "PROCESSING"


def test_a_body_changed_after_signing_is_refused(pending_payment):
    signed = paid_event(pending_payment, state="CANCELED")
    forged = paid_event(pending_payment, state="PAID")

    response = post(forged, sandbox_bank.sign(signed))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert_nothing_changed(pending_payment)


def test_a_callback_signed_with_another_secret_is_refused(pending_payment, settings):
    body = paid_event(pending_payment)
    settings.SANDBOX_PROVIDER_SECRET = "an attacker's guess"
    signature = sandbox_bank.sign(body)
    settings.SANDBOX_PROVIDER_SECRET = "the real secret"

    assert post(body, signature).status_code == 400
    assert_nothing_changed(pending_payment)


@pytest.mark.parametrize("age", [301, -301])
def test_a_replayed_or_future_dated_callback_is_refused(pending_payment, age):
    body = paid_event(pending_payment)

    response = post(body, sandbox_bank.sign(body, at=int(time.time()) - age))

    assert response.status_code == 400
    assert_nothing_changed(pending_payment)


@pytest.mark.parametrize(
    "signature",
    [None, "", "v1=abc", "t=notanumber,v1=abc", "t=123", "t=1,v1=ü"],
    ids=["missing", "empty", "no-time", "bad-time", "no-mac", "non-ascii"],
)
def test_a_callback_without_a_proper_signature_is_refused(pending_payment, signature):
    body = paid_event(pending_payment)
    if signature == "t=123":
        signature = f"t={int(time.time())}"

    assert post(body, signature).status_code == 400
    assert_nothing_changed(pending_payment)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"object": "session"}', b'{"object": "nothing", "id": "e", "reference": "r"}'],
    ids=["not-json", "not-object", "no-fields", "unknown-object"],
)
def test_a_signed_but_malformed_body_is_refused(pending_payment, body):
    assert post(body, sandbox_bank.sign(body)).status_code == 400
    assert_nothing_changed(pending_payment)


def test_a_signed_callback_with_an_unknown_state_is_refused(pending_payment):
    body = paid_event(pending_payment, state="REFUNDED")

    assert post(body, sandbox_bank.sign(body)).status_code == 400
    assert_nothing_changed(pending_payment)


def test_a_signed_callback_about_an_unknown_session_is_404(pending_payment):
    body = paid_event(pending_payment, reference="sbs_nobody")

    assert post(body, sandbox_bank.sign(body)).status_code == 404
    assert_nothing_changed(pending_payment)


def test_callbacks_of_an_unknown_provider_and_other_methods_are_refused(pending_payment):
    body = paid_event(pending_payment)

    assert post(body, sandbox_bank.sign(body), url="/payments/callbacks/nobank").status_code == 404
    assert Client().get(CALLBACK_URL).status_code == 405
    assert_nothing_changed(pending_payment)


def test_a_refund_callback_settles_the_refund_once(pending_payment, monkeypatch):
    # given a refund Tessera sent to the provider
    body = paid_event(pending_payment)
    post(body, sandbox_bank.sign(body))
    refund = Refund.objects.create(
        order=pending_payment.order,
        payment=pending_payment,
        reason="requested",
        amount=pending_payment.amount,
        currency="EUR",
        provider_reference="sbr_refund1",
        idempotency_key="test-refund-1",
    )
    settled = []
    monkeypatch.setattr(gateway.refunds, "refund_settle", lambda **kwargs: settled.append(kwargs))
    event = json.dumps(
        {
            "id": "evt_sbr_refund1_failed",
            "object": "refund",
            "reference": "sbr_refund1",
            "state": "FAILED",
            "reason": "refused_by_bank",
        }
    ).encode()

    # when the provider's refund callback arrives twice
    answers = [post(event, sandbox_bank.sign(event)).status_code for _ in range(2)]

    # then the refund service was told once, with the provider's outcome
    assert answers == [200, 200]
    assert len(settled) == 1
    assert settled[0]["refund_id"] == refund.pk
    assert (settled[0]["state"], settled[0]["reason"]) == ("FAILED", "refused_by_bank")
    assert settled[0]["actor"].label == "provider:sandbox"
    assert ProviderEvent.objects.filter(refund=refund).count() == 1
