"""Helpers for refund tests: delivered orders paid each way, and a payment provider the test steers."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.events import apply_transition
from orders.locks import lock_lines, lock_order
from orders.models import Order
from orders.statuses import BillingMode
from payments.models import LedgerEntry, Payment, Refund, Wallet
from payments.providers import register
from payments.providers.base import ProviderError, RefundOutcome, RefundState
from payments.services import finalization
from payments.services.finalization import order_finalize_paid
from payments.services.wallets import wallet_ledger_total
from tessera.actors import Actor
from tests import factories

FAKE_PROVIDER = "refund-test"


@dataclass
class ProviderScript:
    """What the test provider answers; tests change it between steps."""

    accept: RefundState = RefundState.PENDING  # the answer to ``refund``
    status: RefundState = RefundState.PENDING  # the answer to ``refund_status``
    error: ProviderError | None = None  # raised by ``refund`` instead
    unreachable: int = 0  # this many ``refund`` calls fail first, as if the network were down
    calls: list[tuple[str, Decimal]] = field(default_factory=list)  # (idempotency key, amount)


SCRIPT = ProviderScript()


@register(FAKE_PROVIDER)
class ScriptedProvider:
    """A payment provider for refunds only, answering as SCRIPT says."""

    def refund(self, payment: Payment, *, amount: Decimal, idempotency_key: str) -> RefundOutcome:
        SCRIPT.calls.append((idempotency_key, amount))
        if SCRIPT.unreachable > 0:
            SCRIPT.unreachable -= 1
            raise ProviderError("connection reset by peer")
        if SCRIPT.error is not None:
            raise SCRIPT.error
        return RefundOutcome(reference=f"fake-{idempotency_key}", state=SCRIPT.accept)

    def refund_status(self, refund: Refund) -> RefundOutcome:
        return RefundOutcome(reference=refund.provider_reference, state=SCRIPT.status, reason="bank says no")


def reset_script() -> ProviderScript:
    SCRIPT.accept, SCRIPT.status, SCRIPT.error, SCRIPT.unreachable = (
        RefundState.PENDING,
        RefundState.PENDING,
        None,
        0,
    )
    SCRIPT.calls.clear()
    return SCRIPT


def delivered(partner, product, *, worker, quantity: int = 2, method: str = BillingMode.WALLET) -> Order:
    """A FULFILLED order of ``quantity`` lines, paid by wallet or invoice, through the real services."""
    order = factories.order(owner=partner, product_obj=product, quantity=quantity)
    worker()
    finalization.order_finalize(order_id=order.pk, method=method, actor=Actor.partner(partner))
    worker()
    order = Order.objects.get(pk=order.pk)
    assert order.status == "FULFILLED", order.status
    return order


def delivered_by_gateway(partner, product, *, worker, quantity: int = 2, denomination=None) -> Order:
    """An order paid through the scripted provider (captured, then finalized by payment), delivered."""
    order = factories.order(owner=partner, product_obj=product, quantity=quantity, denomination=denomination)
    worker()
    with transaction.atomic():
        locked = lock_order(order.pk)
        lines = lock_lines(locked)
        payment = Payment.objects.create(
            order=locked,
            method=BillingMode.GATEWAY,
            amount=locked.total_amount,
            currency=locked.currency,
            provider=FAKE_PROVIDER,
            provider_reference=f"session-{locked.pk}",
            idempotency_key=f"order:{locked.pk}:gateway",
        )
        actor = Actor.system("tests")
        apply_transition(payment, "start", actor=actor)
        apply_transition(payment, "capture", actor=actor, at=timezone.now())
        order_finalize_paid(order=locked, lines=lines, payment=payment, actor=actor)
    worker()
    order = Order.objects.get(pk=order.pk)
    assert order.status in {"FULFILLED", "PARTIALLY_FULFILLED"}, order.status
    return order


def line_statuses(order: Order) -> dict[int, str]:
    return dict(order.lines.values_list("position", "status"))


def assert_wallet_agrees_with_ledger(partner) -> Wallet:
    wallet = Wallet.objects.get(partner=partner, currency="EUR")
    assert wallet.balance == wallet_ledger_total(wallet)
    return wallet


def credits_of(order: Order) -> list[Decimal]:
    return sorted(LedgerEntry.objects.filter(order=order, kind="credit").values_list("amount", flat=True))
