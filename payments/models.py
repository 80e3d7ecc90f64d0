"""The money: wallets and their immutable ledger, payments and refunds.

A wallet's balance is the sum of its ledger entries; the balance column caches it, is changed in
the same transaction as the entry, and a database constraint keeps it from going below zero.
"""

import uuid

from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orders.statuses import BillingMode
from tessera.fields import amount_field


class Wallet(models.Model):
    partner = models.ForeignKey("orders.Partner", on_delete=models.PROTECT, related_name="wallets")
    currency = models.CharField(max_length=3)
    balance = amount_field(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "currency"], name="wallet_partner_currency"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.currency}"


class LedgerKind(models.TextChoices):
    TOP_UP = "top_up", "Top-up"
    DEBIT = "debit", "Debit"
    CREDIT = "credit", "Credit"


class ImmutableRowError(Exception):
    pass


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRowError("Ledger entries are immutable; book a new entry instead.")

    def delete(self):
        raise ImmutableRowError("Ledger entries are immutable; book a new entry instead.")


class LedgerEntry(models.Model):
    """One movement of a wallet's money. Written once; never updated or deleted.

    Enforced three times: ``save``/``delete`` here, the queryset's bulk ``update``/``delete``, and
    on PostgreSQL a trigger that refuses UPDATE and DELETE of rows (migration 0002).
    """

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=8, choices=LedgerKind.choices)
    amount = amount_field(help_text="Signed: positive adds to the balance, negative takes from it.")
    balance_after = amount_field()
    reference = models.CharField(
        max_length=100, help_text="Unique per wallet: the same movement is never booked twice."
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    memo = models.CharField(max_length=255, blank=True)
    actor_label = models.CharField(max_length=200)
    correlation_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["wallet", "-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["wallet", "reference"], name="ledger_reference_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_not_negative"),
        ]
        indexes = [models.Index(fields=["wallet", "-created_at"], name="ledger_wallet_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.wallet.currency}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError("Ledger entries are immutable; book a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Ledger entries are immutable; book a new entry instead.")


class PaymentStatus(models.TextChoices):
    CREATED = "CREATED", "Created"
    PENDING = "PENDING", "Pending"
    PAID = "PAID", "Paid"
    FAILED = "FAILED", "Failed"
    CANCELED = "CANCELED", "Canceled"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", "Partially refunded"
    REFUNDED = "REFUNDED", "Refunded"


LIVE_PAYMENT_STATUSES = [
    PaymentStatus.CREATED,
    PaymentStatus.PENDING,
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
]


class Payment(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16, choices=BillingMode.choices)
    status = FSMField(
        max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.CREATED, protected=True
    )
    amount = amount_field()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=32)
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=LIVE_PAYMENT_STATUSES),
                name="payment_one_live_per_order",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency}"

    @transition(field=status, source=PaymentStatus.CREATED, target=PaymentStatus.PENDING)
    def start(self) -> None:
        pass

    @transition(field=status, source=PaymentStatus.PENDING, target=PaymentStatus.PAID)
    def capture(self, *, at) -> None:
        self.paid_at = at

    @transition(field=status, source=PaymentStatus.PENDING, target=PaymentStatus.FAILED)
    def fail(self) -> None:
        pass

    @transition(
        field=status, source=[PaymentStatus.CREATED, PaymentStatus.PENDING], target=PaymentStatus.CANCELED
    )
    def cancel(self) -> None:
        pass

    @transition(
        field=status,
        source=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED],
        target=PaymentStatus.PARTIALLY_REFUNDED,
    )
    def refund_partially(self) -> None:
        pass

    @transition(
        field=status,
        source=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED],
        target=PaymentStatus.REFUNDED,
    )
    def refund_fully(self) -> None:
        pass


class RefundStatus(models.TextChoices):
    REQUESTED = "REQUESTED", "Requested"
    PROCESSING = "PROCESSING", "Processing"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"


class RefundReason(models.TextChoices):
    NOT_DELIVERED = "not_delivered", "Not delivered by the supplier"
    REQUESTED = "requested", "Requested"


class Refund(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    lines = models.ManyToManyField("orders.OrderLine", blank=True, related_name="refunds")
    status = FSMField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED, protected=True
    )
    reason = models.CharField(max_length=16, choices=RefundReason.choices)
    note = models.CharField(max_length=255, blank=True)
    amount = amount_field()
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} ({self.status})"

    @transition(field=status, source=RefundStatus.REQUESTED, target=RefundStatus.PROCESSING)
    def process(self) -> None:
        pass

    @transition(field=status, source=RefundStatus.PROCESSING, target=RefundStatus.SUCCEEDED)
    def succeed(self) -> None:
        pass

    @transition(field=status, source=RefundStatus.PROCESSING, target=RefundStatus.FAILED)
    def fail(self) -> None:
        pass
