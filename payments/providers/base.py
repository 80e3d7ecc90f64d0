"""The contract between Tessera and a payment provider (a hosted payment page and its callbacks).

A provider starts a session for a payment and gives the URL of its hosted page; it later tells
Tessera the outcome by a signed server-to-server callback, and answers a status query, which
Tessera uses instead of trusting anything the customer's browser brings back. Refunds are
asynchronous: ``refund`` accepts one, and a callback or ``refund_status`` tells how it ended.
Every call that changes something carries an idempotency key, stable per payment or refund.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from payments.models import Payment, Refund


class ProviderError(Exception):
    """The provider could not be reached or refused; ``retryable`` says whether to try again."""

    retryable = True

    def __init__(self, message: str, *, code: str = "PROVIDER_ERROR", retryable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class InvalidCallback(Exception):
    """A callback whose signature, timestamp or body does not check out: it is ignored."""


class PaymentState(StrEnum):
    PENDING = "PENDING"  # the customer has not decided yet
    PAID = "PAID"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class RefundState(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class EventKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


@dataclass(frozen=True)
class Session:
    reference: str  # the provider's id of the session; stored as Payment.provider_reference
    redirect_url: str  # where the customer pays


@dataclass(frozen=True)
class CallbackEvent:
    """A verified callback: ``reference`` names a payment session or a refund, by ``kind``."""

    event_id: str
    kind: EventKind
    reference: str
    state: str  # a PaymentState or RefundState value
    reason: str = ""
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundOutcome:
    reference: str
    state: RefundState
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def start_session(
        self,
        payment: "Payment",
        *,
        description: str,
        return_url: str,
        callback_url: str,
        idempotency_key: str,
    ) -> Session: ...

    def parse_callback(self, *, body: bytes, headers: dict[str, str]) -> CallbackEvent: ...

    def payment_status(self, payment: "Payment") -> PaymentState: ...

    def cancel_session(self, payment: "Payment", *, idempotency_key: str) -> PaymentState: ...

    def refund(self, payment: "Payment", *, amount: Decimal, idempotency_key: str) -> RefundOutcome: ...

    def refund_status(self, refund: "Refund") -> RefundOutcome: ...
