"""When an order, a payment and a line may be refunded: one set of rules for services and views.

The service applies them to rows it has locked; the API's availableActions and the admin's
refund form apply the same functions to what they have read, so what they offer is what the
service accepts.
"""

from collections.abc import Iterable
from decimal import Decimal

from orders.models import Order, OrderLine, OrderVersion
from orders.statuses import AmendmentStatus, BillingMode, LineStatus, OrderStatus
from payments.models import PAID_STATUSES, Payment, PaymentStatus, Refund, RefundReason, RefundStatus
from tessera.money import ZERO

REFUNDABLE_ORDER_STATUSES = frozenset(
    {OrderStatus.FULFILLED, OrderStatus.PARTIALLY_FULFILLED, OrderStatus.PARTIALLY_REFUNDED}
)
CAPTURED_PAYMENT_STATUSES = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED})
# A refund still on its way: its lines are ISSUED yet, so the order takes no amendment meanwhile.
LIVE_REFUND_STATUSES = frozenset({RefundStatus.REQUESTED, RefundStatus.PROCESSING})

# Reasons a partner or staff may give; the others are Tessera's own (automatic refunds).
REQUESTABLE_REASONS = [
    RefundReason.REQUESTED,
    RefundReason.CANCELED_EVENT,
    RefundReason.DUPLICATE,
    RefundReason.GOODWILL,
    RefundReason.NOT_DELIVERED,
]


def amendments_balance(versions: Iterable[OrderVersion]) -> Decimal:
    """What an order's confirmed amendments moved beside its payment: paid in when positive,
    given back when negative. What may be refunded is the payment plus this."""
    return sum((v.balance for v in versions if v.status == AmendmentStatus.CONFIRMED), ZERO)


def paid_with_amendments(payment: Payment, versions: Iterable[OrderVersion]) -> Decimal:
    """What an order's own ``payment`` stands for: its amount with what confirmed amendments moved
    beside it (wallet and invoice orders). A gateway order's amendments move their money as
    payments and refunds of their own, so its payment stands for its amount alone."""
    if payment.method == BillingMode.GATEWAY:
        return payment.amount
    return payment.amount + amendments_balance(versions)


def captured_payment(payments: Iterable[Payment]) -> Payment | None:
    """The order's own payment money can go back to (at most one is live: a database constraint);
    an amendment's payment is not it."""
    return next(
        (p for p in payments if p.amendment_id is None and p.status in CAPTURED_PAYMENT_STATUSES), None
    )


def paid_payment(payments: Iterable[Payment]) -> Payment | None:
    """The order's own payment that was paid, whether or not it has all gone back since."""
    return next((p for p in payments if p.amendment_id is None and p.status in PAID_STATUSES), None)


def lines_in_live_refunds(refunds: Iterable[Refund]) -> set[int]:
    """Ids of lines some refund that has not FAILED already covers."""
    return {
        refund_line.line_id
        for refund in refunds
        if refund.status != RefundStatus.FAILED
        for refund_line in refund.refund_lines.all()
    }


def refundable_lines(lines: Iterable[OrderLine], refunds: Iterable[Refund]) -> list[OrderLine]:
    """ISSUED lines no live refund covers yet, by position."""
    taken = lines_in_live_refunds(refunds)
    chosen = [line for line in lines if line.status == LineStatus.ISSUED and line.pk not in taken]
    return sorted(chosen, key=lambda line: line.position)


def refund_possible(order: Order, lines: Iterable[OrderLine]) -> bool:
    """Whether a refund request for ``order`` would be accepted now (from prefetched relations)."""
    if order.status not in REFUNDABLE_ORDER_STATUSES:
        return False
    payment = captured_payment(order.payments.all())
    if payment is None:
        return False
    refunds = list(order.refunds.all())
    reserved = sum(
        (r.amount for r in refunds if r.payment_id == payment.pk and r.status != RefundStatus.FAILED), ZERO
    )
    paid = paid_with_amendments(payment, order.versions.all())
    return paid > reserved and bool(refundable_lines(lines, refunds))
