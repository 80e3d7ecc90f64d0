"""Reads behind the customer's pages: one order by its key, with everything the pages show.

The key is the only credential a customer has, so an unknown key and a known one must not be
told apart by anything but the page itself: the lookup is one query on the unique key.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone

from checkout.statuses import (
    current_payment,
    order_status_words,
    payment_status_word,
)
from orders.models import Order, OrderLine, Traveller
from orders.statuses import LineStatus, OrderStatus
from payments.models import (
    PAID_STATUSES,
    TICKETS_STATUSES,
    Checkout,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from payments.services.finalization import check_payable
from payments.services.gateway import check_gateway_allowed
from payments.vat import VatLine, total_tax, vat_lines
from tessera.errors import TesseraError
from tessera.money import ZERO


def checkout_order(order_key: str) -> Order | None:
    """The order alone, if its checkout is open (for the pages that act and redirect)."""
    return (
        Order.objects.select_related("partner", "checkout")
        .filter(order_key=order_key, checkout__isnull=False)
        .first()
    )


def customer_order(order_key: str) -> "CustomerOrder | None":
    """The order and what its pages show, in a fixed number of queries whatever its size."""
    order = (
        Order.objects.select_related("partner", "checkout")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("traveller", "voucher").order_by("position"),
            ),
            Prefetch("travellers", queryset=Traveller.objects.order_by("position")),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at")),
            Prefetch(
                "refunds",
                queryset=Refund.objects.prefetch_related("refund_lines__line").order_by("created_at"),
            ),
        )
        .filter(order_key=order_key)
        .first()
    )
    return None if order is None else CustomerOrder.of(order)


@dataclass
class CustomerOrder:
    """An order as its customer sees it."""

    order: Order
    lines: list[OrderLine]
    travellers: list[Traveller]
    payments: list[Payment]
    refunds: list[Refund]
    checkout: Checkout | None
    now: datetime = field(default_factory=timezone.now)

    @classmethod
    def of(cls, order: Order) -> "CustomerOrder":
        try:
            checkout = order.checkout
        except Checkout.DoesNotExist:
            checkout = None
        return cls(
            order=order,
            lines=list(order.lines.all()),
            travellers=list(order.travellers.all()),
            payments=list(order.payments.all()),
            refunds=list(order.refunds.all()),
            checkout=checkout,
        )

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def payment(self) -> Payment | None:
        return current_payment(self.payments)

    @property
    def payment_status(self) -> str:
        return payment_status_word(self.payments)

    @property
    def order_status(self) -> str:
        return order_status_words(self.order)

    @property
    def paid_payment(self) -> Payment | None:
        """The payment that paid the order (whatever was refunded of it since), if any."""
        return next((payment for payment in self.payments if payment.status in PAID_STATUSES), None)

    @property
    def is_paid(self) -> bool:
        return self.paid_payment is not None

    @property
    def issued_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if line.status == LineStatus.ISSUED]

    @property
    def shows_tickets(self) -> bool:
        """Tickets are shown only for a paid order, and only its ISSUED lines."""
        payment = self.paid_payment
        return payment is not None and payment.status in TICKETS_STATUSES and bool(self.issued_lines)

    @cached_property
    def payable(self) -> bool:
        """The customer may pay now: a checkout is open and Pay would be accepted (the checks of
        ``payment_start``)."""
        if self.checkout is None or not self.lines:
            return False
        try:
            check_gateway_allowed(self.order)
            check_payable(self.order, self.lines, self.now)
        except TesseraError:
            return False
        return True

    @property
    def payment_in_progress(self) -> bool:
        payment = self.payment
        return payment is not None and payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING)

    @property
    def last_attempt_failed(self) -> bool:
        payment = self.payment
        return payment is not None and payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED)

    @property
    def waiting(self) -> bool:
        """Something is under way that the status page should refresh for."""
        return self.payment_status == "pending" or self.order.status == OrderStatus.PROCESSING

    @cached_property
    def vat(self) -> list[VatLine]:
        return vat_lines(((line.amount, line.tax_rate) for line in self.lines), self.currency)

    @property
    def tax_total(self) -> Decimal:
        return total_tax(self.vat)

    @property
    def net_total(self) -> Decimal:
        return self.order.total_amount - self.tax_total

    @property
    def refunds_shown(self) -> list[Refund]:
        """Refunds that returned money or are returning it (failed attempts are left out)."""
        return [refund for refund in self.refunds if refund.status != RefundStatus.FAILED]

    @property
    def refunded_total(self) -> Decimal:
        return sum(
            (refund.amount for refund in self.refunds if refund.status == RefundStatus.SUCCEEDED), ZERO
        )

    @property
    def paid_total(self) -> Decimal:
        payment = self.paid_payment
        return ZERO if payment is None else payment.amount - self.refunded_total
