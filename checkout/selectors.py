"""Reads behind the customer's pages: one order by its key, with everything the pages show.

The key is the only credential a customer has, so an unknown key and a known one must not be
told apart by anything but the page itself: the lookup is one query on the unique key.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from checkout.statuses import (
    current_payment,
    order_status_words,
    payment_sentence,
    payment_status_word,
)
from orders.models import Order, OrderLine, OrderVersion, Traveller
from orders.services.amendments import draft_lines
from orders.statuses import AmendmentStatus, BillingMode, LineStatus, OrderStatus
from payments.models import (
    PAID_STATUSES,
    TICKETS_STATUSES,
    Checkout,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from payments.refund_rules import paid_payment
from payments.services.finalization import check_payable
from payments.services.gateway import check_gateway_allowed
from payments.vat import VatLine, total_tax, vat_lines
from tessera.errors import TesseraError
from tessera.local_time import UTC
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
                queryset=OrderLine.objects.select_related("traveller", "voucher", "product").order_by(
                    "position"
                ),
            ),
            Prefetch("travellers", queryset=Traveller.objects.order_by("position")),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at")),
            Prefetch(
                "refunds",
                queryset=Refund.objects.prefetch_related("refund_lines__line").order_by("created_at"),
            ),
            Prefetch("versions", queryset=OrderVersion.objects.filter(status=AmendmentStatus.DRAFT)),
        )
        .filter(order_key=order_key)
        .first()
    )
    return None if order is None else CustomerOrder.of(order)


@dataclass(frozen=True)
class Seller:
    """Who sold the order, as its receipt names them: the partner, with settings' fallbacks."""

    name: str
    address: str
    vat_number: str


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
            # The current version's: lines an amendment removed or has not confirmed are not shown.
            lines=order.current_lines,
            travellers=order.current_travellers,
            payments=list(order.payments.all()),
            refunds=list(order.refunds.all()),
            checkout=checkout,
        )

    @property
    def currency(self) -> str:
        return self.order.currency

    @cached_property
    def amendment(self) -> OrderVersion | None:
        """The open draft whose balance the partner asked the customer to pay here, while it
        can still be paid (payments.services.amendment_payment)."""
        draft = next(iter(self.order.versions.all()), None)
        if draft is None or draft.expires_at <= self.now or self.amendment_payment_of(draft) is None:
            return None
        return draft

    def amendment_payment_of(self, draft: OrderVersion) -> Payment | None:
        return next((p for p in reversed(self.payments) if p.amendment_id == draft.pk), None)

    @property
    def amendment_payment(self) -> Payment | None:
        """The latest payment of the draft to pay (a declined one is followed by a new one on Pay)."""
        return None if self.amendment is None else self.amendment_payment_of(self.amendment)

    @property
    def amendment_lines(self) -> tuple[list[OrderLine], list[OrderLine]]:
        """The lines the draft to pay adds and those it gives up."""
        return draft_lines(list(self.order.lines.all()), self.amendment.number)

    @property
    def payment(self) -> Payment | None:
        return current_payment(self.payments)

    @property
    def payment_status(self) -> str:
        return payment_status_word(self.payments)

    @property
    def payment_sentence(self) -> str:
        return payment_sentence(self.payments)

    @property
    def order_status(self) -> str:
        return order_status_words(self.order)

    @cached_property
    def zone(self) -> ZoneInfo:
        """Where the order happens: the time zone of its first line that has a time, else UTC.
        Times that belong to no line (the deadline to pay, the payment) are shown there too."""
        for line in self.lines:
            if line.starts_at:
                return line.product.zone
        return self.lines[0].product.zone if self.lines else UTC

    @property
    def seller(self) -> Seller:
        partner = self.order.partner
        return Seller(
            name=partner.seller_name or partner.name,
            address=partner.seller_address or settings.SELLER_ADDRESS,
            vat_number=partner.seller_vat_number or settings.SELLER_VAT_NUMBER,
        )

    @property
    def paid_payment(self) -> Payment | None:
        """The order's own payment that paid it (whatever was refunded of it since), if any."""
        return paid_payment(self.payments)

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
    def refunds_on_their_way(self) -> list[Refund]:
        return [
            refund
            for refund in self.refunds
            if refund.status in (RefundStatus.REQUESTED, RefundStatus.PROCESSING)
        ]

    @property
    def refunded_to_card(self) -> bool:
        """The money goes back to the customer's own card or account (a gateway payment); else
        it goes back to the partner, who was paid by the customer."""
        payment = self.paid_payment
        return payment is not None and payment.method == BillingMode.GATEWAY

    @property
    def refunded_total(self) -> Decimal:
        return sum(
            (refund.amount for refund in self.refunds if refund.status == RefundStatus.SUCCEEDED), ZERO
        )

    @property
    def paid_total(self) -> Decimal:
        """What was paid, the payments of amendments paid at checkout included, less refunds."""
        if self.paid_payment is None:
            return ZERO
        paid = (payment.amount for payment in self.payments if payment.status in PAID_STATUSES)
        return sum(paid, ZERO) - self.refunded_total
