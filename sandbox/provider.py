"""The sandbox payment provider that ships with Tessera, as Tessera sees it.

It implements the PaymentProvider protocol on the sandbox bank's own records (``sandbox_bank``):
a session per payment with a hosted page where the customer pays, fails or cancels; callbacks
signed with HMAC-SHA256 over ``"<timestamp>.<body>"``; refunds accepted at once and settled a
moment later by the bank. Every call that changes something is idempotent by its key.
"""

import hmac
import json
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from payments.models import (
    Payment,
    Refund,
    SandboxBankRefund,
    SandboxBankSession,
    SandboxRefundState,
    SandboxSessionState,
)
from payments.providers import register
from payments.providers.base import (
    CallbackEvent,
    EventKind,
    InvalidCallback,
    PaymentState,
    ProviderError,
    RefundOutcome,
    RefundState,
    Session,
)
from sandbox import bank as sandbox_bank
from tessera.money import quantize

SIGNATURE_TOLERANCE_SECONDS = 300
MAX_REFERENCE_LENGTH = 100
KINDS = {"session": EventKind.PAYMENT, "refund": EventKind.REFUND}
STATES = {EventKind.PAYMENT: set(PaymentState) - {PaymentState.PENDING}, EventKind.REFUND: set(RefundState)}


@register("sandbox")
class SandboxProvider:
    name = "sandbox"

    def start_session(
        self,
        payment: Payment,
        *,
        description: str,
        return_url: str,
        callback_url: str,
        idempotency_key: str,
    ) -> Session:
        session, _ = SandboxBankSession.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "id": sandbox_bank.new_id("sbs"),
                "merchant_reference": str(payment.pk),
                "amount": payment.amount,
                "currency": payment.currency,
                "description": description[:255],
                "return_url": return_url,
                "callback_url": callback_url,
            },
        )
        if session.merchant_reference != str(payment.pk) or session.amount != payment.amount:
            raise ProviderError(
                "This idempotency key opened a session for another payment.",
                code="IDEMPOTENCY_MISMATCH",
                retryable=False,
            )
        return Session(reference=session.pk, redirect_url=sandbox_bank.page_url(session))

    def parse_callback(self, *, body: bytes, headers: dict[str, str]) -> CallbackEvent:
        _verify(body, _header(headers, sandbox_bank.SIGNATURE_HEADER))
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise InvalidCallback("The body is not JSON.") from exc
        if not isinstance(data, dict):
            raise InvalidCallback("The body is not a JSON object.")
        kind = KINDS.get(data.get("object"))
        if kind is None:
            raise InvalidCallback("Unknown object.")
        event_id, reference, state = data.get("id"), data.get("reference"), data.get("state")
        for value in (event_id, reference):
            if not isinstance(value, str) or not 0 < len(value) <= MAX_REFERENCE_LENGTH:
                raise InvalidCallback("id and reference must be short strings.")
        if state not in STATES[kind]:
            raise InvalidCallback(f"Unknown {kind} state.")
        reason = data.get("reason") or ""
        return CallbackEvent(
            event_id=event_id,
            kind=kind,
            reference=reference,
            state=state,
            reason=str(reason)[:255],
            payload=data,
        )

    def payment_status(self, payment: Payment) -> PaymentState:
        session = _session_of(payment)
        if session is None:
            raise ProviderError(
                f"No session for payment {payment.pk}.", code="UNKNOWN_SESSION", retryable=False
            )
        return PaymentState(sandbox_bank.PAYMENT_STATES[session.state])

    def cancel_session(self, payment: Payment, *, idempotency_key: str) -> PaymentState:
        """Expire the session if the customer has not decided yet; says how the session ended."""
        with transaction.atomic():
            session = _session_of(payment, lock=True)
            if session is None:
                return PaymentState.CANCELED  # no page was ever opened: nothing can be paid
            if session.state == SandboxSessionState.OPEN:
                session.state = SandboxSessionState.EXPIRED
                session.decided_at = timezone.now()
                session.save(update_fields=["state", "decided_at"])
        return PaymentState(sandbox_bank.PAYMENT_STATES[session.state])

    def refund(self, payment: Payment, *, amount: Decimal, idempotency_key: str) -> RefundOutcome:
        """Accept a refund (PENDING) once per key; the bank settles it shortly after commit."""
        amount = quantize(amount, payment.currency)
        if amount <= 0:
            raise ProviderError("A refund must be positive.", code="INVALID_AMOUNT", retryable=False)
        with transaction.atomic():
            session = _session_of(payment, lock=True)
            if session is None or session.state != SandboxSessionState.PAID:
                raise ProviderError("Only a paid session can be refunded.", code="NOT_PAID", retryable=False)
            refund = SandboxBankRefund.objects.filter(idempotency_key=idempotency_key).first()
            if refund is not None:
                return _outcome(refund)
            refunded = sum(
                (r.amount for r in session.refunds.exclude(state=SandboxRefundState.FAILED)), Decimal("0")
            )
            if refunded + amount > session.amount:
                raise ProviderError(
                    "The refunds would exceed what was paid.", code="REFUND_EXCEEDS_PAYMENT", retryable=False
                )
            refund = SandboxBankRefund.objects.create(
                id=sandbox_bank.new_id("sbr"), idempotency_key=idempotency_key, session=session, amount=amount
            )
            sandbox_bank.settle_later(refund)
        return _outcome(refund)

    def refund_status(self, refund: Refund) -> RefundOutcome:
        found = SandboxBankRefund.objects.filter(pk=refund.provider_reference).first()
        if found is None:
            raise ProviderError(
                f"No refund {refund.provider_reference!r}.", code="UNKNOWN_REFUND", retryable=False
            )
        return _outcome(found)


def _session_of(payment: Payment, *, lock: bool = False) -> SandboxBankSession | None:
    """The payment's session: by its reference, or by its key if Tessera never stored the reference."""
    sessions = SandboxBankSession.objects.select_for_update() if lock else SandboxBankSession.objects
    if payment.provider_reference:
        return sessions.filter(pk=payment.provider_reference).first()
    return sessions.filter(idempotency_key=payment.idempotency_key).first()


def _outcome(refund: SandboxBankRefund) -> RefundOutcome:
    reason = sandbox_bank.REFUND_REFUSED if refund.state == SandboxRefundState.FAILED else ""
    return RefundOutcome(reference=refund.pk, state=RefundState(refund.state), reason=reason)


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def _verify(body: bytes, signature: str, *, now: float | None = None) -> None:
    """Refuse a callback unless it is signed with our secret within the last five minutes."""
    fields = dict(part.strip().split("=", 1) for part in signature.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        raise InvalidCallback("Missing or malformed signature.") from None
    if abs((time.time() if now is None else now) - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidCallback("The signature's timestamp is too old or in the future.")
    expected = sandbox_bank.mac(timestamp, body).encode()
    if not hmac.compare_digest(expected, fields.get("v1", "").encode("utf-8", "replace")):
        raise InvalidCallback("The signature does not match.")
