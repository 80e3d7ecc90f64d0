"""The sandbox provider's own side: a pretend bank that lives in Tessera's database.

What a real provider does on its servers happens here: the customer's decision on the hosted
page, refunds settled a little later, and signed server-to-server callbacks to the merchant,
sent from a task and retried with backoff until the merchant answers 2xx. Tessera itself talks
to the bank only through ``sandbox.provider.SandboxProvider``.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from payments.models import (
    SandboxBankRefund,
    SandboxBankSession,
    SandboxRefundState,
    SandboxSessionState,
)
from tessera.background.enqueue import enqueue_after_commit
from tessera.background.retries import attempts_left, retry_at
from tessera.money import format_amount

logger = logging.getLogger(__name__)

MERCHANT_NAME = "Tessera"
SIGNATURE_HEADER = "Tessera-Sandbox-Signature"
CALLBACK_TIMEOUT_SECONDS = 10

DECISIONS = {
    "pay": SandboxSessionState.PAID,
    "fail": SandboxSessionState.FAILED,
    "cancel": SandboxSessionState.CANCELED,
}
# What the provider reports for each of its session states, and why a session did not pay.
PAYMENT_STATES = {
    SandboxSessionState.OPEN: "PENDING",
    SandboxSessionState.PAID: "PAID",
    SandboxSessionState.FAILED: "FAILED",
    SandboxSessionState.CANCELED: "CANCELED",
    SandboxSessionState.EXPIRED: "CANCELED",
}
REASONS = {
    SandboxSessionState.FAILED: "card_declined",
    SandboxSessionState.CANCELED: "canceled_by_customer",
    SandboxSessionState.EXPIRED: "session_expired",
}
REFUND_REFUSED = "refused_by_bank"


class AlreadyDecided(Exception):
    """The customer (or the merchant) already decided this session; it never changes again."""

    def __init__(self, session: SandboxBankSession) -> None:
        super().__init__(f"session {session.pk} is {session.state}")
        self.session = session


def new_id(prefix: str) -> str:
    """An unguessable id (192 random bits), as a provider's session and refund ids are."""
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def page_url(session: SandboxBankSession) -> str:
    return settings.PUBLIC_BASE_URL + reverse("providers:sandbox-bank", args=[session.pk])


# --- signatures ------------------------------------------------------------------------------


def mac(timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under SANDBOX_PROVIDER_SECRET."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(settings.SANDBOX_PROVIDER_SECRET.encode(), message, hashlib.sha256).hexdigest()


def sign(body: bytes, *, at: int | None = None) -> str:
    """The signature header's value: ``t=<unix time>,v1=<mac>``."""
    timestamp = int(time.time()) if at is None else at
    return f"t={timestamp},v1={mac(timestamp, body)}"


# --- the customer's decision -----------------------------------------------------------------


def session_decide(*, session_id: str, decision: str) -> SandboxBankSession:
    """Store the customer's decision (pay, fail, cancel) once; the callback goes after commit."""
    state = DECISIONS[decision]
    with transaction.atomic():
        session = SandboxBankSession.objects.select_for_update().get(pk=session_id)
        if session.state != SandboxSessionState.OPEN:
            raise AlreadyDecided(session)
        session.state = state
        session.decided_at = timezone.now()
        session.save(update_fields=["state", "decided_at"])
        callback_later("session", session.pk)
    return session


# --- refunds ---------------------------------------------------------------------------------


def refund_settle(*, refund_id: str) -> str:
    """Settle a PENDING refund (SUCCEEDED, or FAILED when SANDBOX_PROVIDER_REFUNDS is "fail")."""
    with transaction.atomic():
        refund = SandboxBankRefund.objects.select_for_update().get(pk=refund_id)
        if refund.state != SandboxRefundState.PENDING:
            return refund.state
        refused = settings.SANDBOX_PROVIDER_REFUNDS == "fail"
        refund.state = SandboxRefundState.FAILED if refused else SandboxRefundState.SUCCEEDED
        refund.settled_at = timezone.now()
        refund.save(update_fields=["state", "settled_at"])
        callback_later("refund", refund.pk)
    return refund.state


def settle_later(refund: SandboxBankRefund) -> None:
    """Queue the refund's settlement, a few (scaled) seconds after the transaction commits."""
    delay = timedelta(seconds=settings.SANDBOX_PROVIDER_REFUND_SECONDS * settings.SANDBOX_TIME_SCALE)
    calls = [{"refund_id": refund.pk}]
    enqueue_after_commit("sandbox.tasks.settle_refund", calls, delay=delay, with_correlation=False)


# --- callbacks -------------------------------------------------------------------------------


def callback_later(kind: str, reference: str, *, attempt: int = 1, run_after: datetime | None = None) -> None:
    calls = [{"kind": kind, "reference": reference, "attempt": attempt}]
    enqueue_after_commit("sandbox.tasks.send_callback", calls, run_after=run_after, with_correlation=False)


def callback_message(kind: str, reference: str) -> tuple[str, bytes] | None:
    """Where the callback about a session or refund goes and its body; None while undecided.

    The event id is stable per outcome, so every retry of one callback carries the same id.
    """
    if kind == "session":
        session = SandboxBankSession.objects.get(pk=reference)
        if session.state == SandboxSessionState.OPEN:
            return None
        state, reason, url = (
            PAYMENT_STATES[session.state],
            REASONS.get(session.state, ""),
            session.callback_url,
        )
        body = {
            "object": "session",
            "merchantReference": session.merchant_reference,
            "amount": format_amount(session.amount, session.currency),
            "currency": session.currency,
        }
    else:
        refund = SandboxBankRefund.objects.select_related("session").get(pk=reference)
        if refund.state == SandboxRefundState.PENDING:
            return None
        state, url = refund.state, refund.session.callback_url
        reason = REFUND_REFUSED if refund.state == SandboxRefundState.FAILED else ""
        body = {
            "object": "refund",
            "session": refund.session_id,
            "amount": format_amount(refund.amount, refund.session.currency),
            "currency": refund.session.currency,
        }
    body.update(
        {"id": f"evt_{reference}_{state.lower()}", "reference": reference, "state": state, "reason": reason}
    )
    return url, json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to the merchant; the HTTP status it answered (raises OSError if unreachable)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def callback_send(*, kind: str, reference: str, attempt: int = 1) -> str:
    """Send one signed callback; retried with backoff until the merchant answers 2xx."""
    message = callback_message(kind, reference)
    if message is None:
        return "undecided"
    url, body = message
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
    try:
        status = post(url, body, headers)
    except OSError as exc:
        status, answer = None, str(exc)
    else:
        answer = f"HTTP {status}"
    if status is not None and 200 <= status < 300:
        return "delivered"
    if attempts_left(attempt):
        logger.warning("callback %s %s to %s failed (%s); retrying", kind, reference, url, answer)
        callback_later(kind, reference, attempt=attempt + 1, run_after=retry_at(attempt))
        return "retry"
    logger.error(
        "giving up the callback %s %s to %s after %d attempts (%s)", kind, reference, url, attempt, answer
    )
    return "gave_up"
