"""The sandbox payment provider: idempotent sessions with unguessable ids, a hosted page where the
customer decides once, signed callbacks retried with backoff, and refunds settled a moment later."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from payments.models import Payment, Refund, SandboxBankRefund, SandboxBankSession
from payments.providers import get_provider
from payments.providers.base import EventKind, PaymentState, ProviderError, RefundState
from payments.services import gateway
from sandbox import bank as sandbox_bank
from tests.gateway_support import reserved_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return get_provider("sandbox")


@pytest.fixture
def payment() -> Payment:
    return gateway.payment_start(order_id=reserved_order().pk)


def start(provider, payment, key: str):
    return provider.start_session(
        payment,
        description="Order T-TEST",
        return_url="https://tessera.example/return",
        callback_url="https://tessera.example/payments/callbacks/sandbox",
        idempotency_key=key,
    )


def decide(payment: Payment, decision: str) -> SandboxBankSession:
    return sandbox_bank.session_decide(session_id=payment.provider_reference, decision=decision)


def queued(task: str):
    return DBTaskResult.objects.filter(status="READY", task_path=f"sandbox.tasks.{task}")


# --- sessions ------------------------------------------------------------------------------


def test_the_same_key_gives_the_same_session_and_ids_are_unguessable(provider, payment, settings):
    settings.PUBLIC_BASE_URL = "https://pay.tessera.example"

    first, again = start(provider, payment, "key-1"), start(provider, payment, "key-1")
    other = start(provider, Payment.objects.get(pk=payment.pk), "key-2")

    assert first == again
    assert other.reference != first.reference
    assert first.reference.startswith("sbs_") and len(first.reference) >= 36
    assert first.redirect_url == f"https://pay.tessera.example/payments/sandbox-bank/{first.reference}/"
    assert SandboxBankSession.objects.filter(idempotency_key="key-1").count() == 1


def test_a_key_reused_for_another_payment_is_refused(provider, payment):
    other = gateway.payment_start(order_id=reserved_order().pk)

    with pytest.raises(ProviderError) as refused:
        start(provider, other, payment.idempotency_key)

    assert (refused.value.code, refused.value.retryable) == ("IDEMPOTENCY_MISMATCH", False)


@pytest.mark.parametrize(
    "decision, state",
    [("pay", PaymentState.PAID), ("fail", PaymentState.FAILED), ("cancel", PaymentState.CANCELED)],
)
def test_payment_status_tells_the_customers_decision(provider, payment, decision, state):
    assert provider.payment_status(payment) == PaymentState.PENDING

    decide(payment, decision)

    assert provider.payment_status(payment) == state


def test_cancel_session_expires_an_undecided_session_but_not_a_paid_one(provider, payment):
    paid = gateway.payment_start(order_id=reserved_order().pk)
    decide(paid, "pay")

    assert provider.cancel_session(payment, idempotency_key="c1") == PaymentState.CANCELED
    assert provider.cancel_session(paid, idempotency_key="c2") == PaymentState.PAID
    assert SandboxBankSession.objects.get(pk=payment.provider_reference).state == "EXPIRED"
    assert SandboxBankSession.objects.get(pk=paid.provider_reference).state == "PAID"
    with pytest.raises(sandbox_bank.AlreadyDecided):
        decide(payment, "pay")


# --- callbacks -----------------------------------------------------------------------------


def test_the_banks_callback_is_signed_and_parses_back_into_the_event(
    provider, payment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(payment, "fail")
    url, body = sandbox_bank.callback_message("session", payment.provider_reference)

    event = provider.parse_callback(body=body, headers={"tessera-sandbox-signature": sandbox_bank.sign(body)})

    assert queued("send_callback").count() == 1
    assert url == SandboxBankSession.objects.get().callback_url
    assert (event.kind, event.reference, event.state, event.reason) == (
        EventKind.PAYMENT,
        payment.provider_reference,
        "FAILED",
        "card_declined",
    )
    assert event.event_id == f"evt_{payment.provider_reference}_failed"
    assert json.loads(body)["amount"] == "100.00"


def test_an_undecided_session_sends_no_callback(payment):
    assert sandbox_bank.callback_message("session", payment.provider_reference) is None
    assert sandbox_bank.callback_send(kind="session", reference=payment.provider_reference) == "undecided"


def test_a_callback_the_merchant_does_not_take_is_retried_with_backoff_then_given_up(
    payment, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASK_RETRY_BASE_SECONDS = settings.TASK_RETRY_MAX_DELAY_SECONDS = 30
    decide(payment, "pay")
    answers = iter([OSError("connection refused"), 500])

    def merchant(url, body, headers):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(sandbox_bank, "post", merchant)

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [
            sandbox_bank.callback_send(kind="session", reference=payment.provider_reference, attempt=n)
            for n in (1, 2)
        ]
    settings.TASK_MAX_ATTEMPTS = 2
    monkeypatch.setattr(sandbox_bank, "post", lambda url, body, headers: 503)
    last = sandbox_bank.callback_send(kind="session", reference=payment.provider_reference, attempt=2)

    assert outcomes == ["retry", "retry"]
    retries = list(queued("send_callback").order_by("run_after"))
    assert [row.args_kwargs["kwargs"]["attempt"] for row in retries] == [2, 3]
    assert all(row.run_after > row.enqueued_at for row in retries)
    assert last == "gave_up"


# --- refunds -------------------------------------------------------------------------------


def paid(payment: Payment) -> Payment:
    decide(payment, "pay")
    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState.PAID, actor=gateway.CUSTOMER, source="t"
    )
    return Payment.objects.get(pk=payment.pk)


@pytest.mark.parametrize("setting, state", [("succeed", RefundState.SUCCEEDED), ("fail", RefundState.FAILED)])
def test_a_refund_is_accepted_once_per_key_and_settled_shortly_after(
    provider, payment, settings, setting, state, django_capture_on_commit_callbacks
):
    settings.SANDBOX_PROVIDER_REFUNDS = setting
    payment = paid(payment)

    with django_capture_on_commit_callbacks(execute=True):
        first = provider.refund(payment, amount=Decimal("40"), idempotency_key="r1")
        again = provider.refund(payment, amount=Decimal("40"), idempotency_key="r1")
    assert first == again
    assert first.state == RefundState.PENDING
    assert SandboxBankRefund.objects.count() == 1
    assert queued("settle_refund").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        sandbox_bank.refund_settle(refund_id=first.reference)
    sandbox_refund = SandboxBankRefund.objects.get()
    outcome = provider.refund_status(Refund(provider_reference=first.reference))

    assert sandbox_refund.state == state
    assert outcome.state == state
    assert queued("send_callback").filter(args_kwargs__kwargs__kind="refund").count() == 1
    _, body = sandbox_bank.callback_message("refund", first.reference)
    event = provider.parse_callback(
        body=body, headers={sandbox_bank.SIGNATURE_HEADER: sandbox_bank.sign(body)}
    )
    assert (event.kind, event.reference, event.state) == (EventKind.REFUND, first.reference, state)


def test_refunds_never_exceed_what_was_paid_and_need_a_paid_session(provider, payment):
    unpaid = gateway.payment_start(order_id=reserved_order().pk)
    payment = paid(payment)
    provider.refund(payment, amount=Decimal("60.00"), idempotency_key="r1")

    with pytest.raises(ProviderError) as too_much:
        provider.refund(payment, amount=Decimal("40.01"), idempotency_key="r2")
    with pytest.raises(ProviderError) as not_paid:
        provider.refund(unpaid, amount=Decimal("1.00"), idempotency_key="r3")

    assert too_much.value.code == "REFUND_EXCEEDS_PAYMENT"
    assert not_paid.value.code == "NOT_PAID"
    assert (
        provider.refund(payment, amount=Decimal("40.00"), idempotency_key="r4").state == RefundState.PENDING
    )


# --- the hosted page -----------------------------------------------------------------------


def test_the_bank_page_shows_merchant_amount_description_and_three_choices(payment):
    page = Client().get(f"/payments/sandbox-bank/{payment.provider_reference}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Tessera" in html and "100.00 EUR" in html
    assert f"Order {payment.order.reference} at {payment.order.partner.name}" in html
    for decision in ("pay", "fail", "cancel"):
        assert f'name="decision" value="{decision}"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_bank_page_needs_a_csrf_token_and_a_known_decision(payment):
    browser = Client(enforce_csrf_checks=True)
    path = f"/payments/sandbox-bank/{payment.provider_reference}/"

    forged = browser.post(path + "decide", {"decision": "pay"})
    browser.get(path)
    token = browser.cookies["csrftoken"].value
    nonsense = browser.post(path + "decide", {"decision": "steal", "csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert nonsense.status_code == 400
    assert SandboxBankSession.objects.get().state == "OPEN"


def test_an_unknown_bank_session_is_404():
    assert Client().get("/payments/sandbox-bank/sbs_nothing/").status_code == 404
    assert Client().post("/payments/sandbox-bank/sbs_nothing/decide", {"decision": "pay"}).status_code == 404
