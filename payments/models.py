"""The money: wallets and their immutable ledger, holds, payments, refunds, invoices and credit notes.

A wallet's balance is the sum of its ledger entries; the balance column caches it, is changed in
the same transaction as the entry, and a database constraint keeps it from going below zero.
A hold sets part of the balance aside for an instant order (``WalletHold``); ``held`` caches the
sum of the HELD holds and a constraint keeps it within the balance, so the available balance
(balance − held) is never negative either.
"""

from django.db import models
from django.db.models import F, Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orders.statuses import BillingMode
from tessera.event_types import EventType
from tessera.fields import amount_field
from tessera.ids import time_ordered_uuid
from tessera.money import format_amount


class Wallet(models.Model):
    partner = models.ForeignKey("orders.Partner", on_delete=models.PROTECT, related_name="wallets")
    currency = models.CharField(max_length=3)
    balance = amount_field(default=0)
    held = amount_field(default=0, help_text="Set aside for instant orders not yet paid (HELD holds).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "currency"], name="wallet_partner_currency"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
            models.CheckConstraint(condition=Q(held__gte=0), name="wallet_held_not_negative"),
            models.CheckConstraint(condition=Q(held__lte=F("balance")), name="wallet_held_within_balance"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.currency}"

    @property
    def available(self):
        """What a new order may spend: the balance less what holds set aside."""
        return self.balance - self.held


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
        return f"{self.kind} {format_amount(self.amount, self.wallet.currency)} {self.wallet.currency}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError("Ledger entries are immutable; book a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Ledger entries are immutable; book a new entry instead.")


class HoldStatus(models.TextChoices):
    HELD = "HELD", "Held"
    CAPTURED = "CAPTURED", "Captured"
    RELEASED = "RELEASED", "Released"


class WalletHold(ConcurrentTransitionMixin, models.Model):
    """An instant order's total set aside on its partner's wallet until the order is paid or ends.

    Not a ledger entry: no money has moved while it is HELD, and a hold that is released would
    need a second, compensating entry to undo the first, so every canceled instant order would
    leave two lines in the partner's statement. The ledger keeps recording movements only
    (ledger sum = balance at all times); the hold lowers the *available* balance through
    ``Wallet.held``. Capturing it books the order's one DEBIT (``ledger_entry``); releasing it
    books nothing.
    """

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="holds")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="wallet_hold")
    amount = amount_field()
    status = FSMField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.HELD, protected=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="hold"
    )
    release_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_hold_amount_positive"),
        ]
        indexes = [models.Index(fields=["wallet", "status"], name="wallet_hold_wallet_status")]

    def __str__(self) -> str:
        currency = self.wallet.currency
        return f"Hold {format_amount(self.amount, currency)} {currency} ({self.status})"

    @transition(
        field=status,
        source=HoldStatus.HELD,
        target=HoldStatus.CAPTURED,
        custom={"event": EventType.WALLET_HOLD_CAPTURED},
    )
    def capture(self, *, entry: LedgerEntry) -> None:
        self.ledger_entry = entry

    @transition(
        field=status,
        source=HoldStatus.HELD,
        target=HoldStatus.RELEASED,
        custom={"event": EventType.WALLET_HOLD_RELEASED},
    )
    def release(self, *, reason: str) -> None:
        self.release_reason = reason[:255]


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

# A receipt exists once an order is paid, whatever was refunded since; tickets while it stays paid.
PAID_STATUSES = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED})
TICKETS_STATUSES = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED})


class Payment(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    amendment = models.ForeignKey(
        "orders.OrderVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text="The amendment whose balance this payment pays (a gateway order's hosted checkout); "
        "empty for the order's own payment.",
    )
    method = models.CharField(max_length=16, choices=BillingMode.choices)
    status = FSMField(
        max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.CREATED, protected=True
    )
    amount = amount_field()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=32)
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    redirect_url = models.URLField(
        max_length=1000, blank=True, help_text="The provider's hosted page for this payment (gateway)."
    )
    failure_reason = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=LIVE_PAYMENT_STATUSES, amendment__isnull=True),
                name="payment_one_live_per_order",
            ),
            # Not one live: a payment given up when the balance changed may still be paid late
            # (and is then given back) while its successor is open.
            models.UniqueConstraint(
                fields=["amendment"],
                condition=Q(
                    status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING], amendment__isnull=False
                ),
                name="payment_one_open_per_amendment",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_provider_reference_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="payment_status_updated")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {format_amount(self.amount, self.currency)} {self.currency}"

    @transition(
        field=status,
        source=PaymentStatus.CREATED,
        target=PaymentStatus.PENDING,
        custom={"event": EventType.PAYMENT_STARTED},
    )
    def start(self) -> None:
        pass

    @transition(
        field=status,
        source=PaymentStatus.PENDING,
        target=PaymentStatus.PAID,
        custom={"event": EventType.PAYMENT_PAID},
    )
    def capture(self, *, at) -> None:
        self.paid_at = at

    @transition(
        field=status,
        source=PaymentStatus.CANCELED,
        target=PaymentStatus.PAID,
        custom={"event": EventType.PAYMENT_PAID_LATE},
    )
    def capture_late(self, *, at) -> None:
        """The provider took the money after Tessera had given the payment up (the customer paid
        while the order expired): it is captured so that it can be refunded."""
        self.paid_at = at

    @transition(
        field=status,
        source=[PaymentStatus.CREATED, PaymentStatus.PENDING],
        target=PaymentStatus.FAILED,
        custom={"event": EventType.PAYMENT_FAILED},
    )
    def fail(self, *, reason: str = "") -> None:
        self.failure_reason = reason[:255]

    @transition(
        field=status,
        source=[PaymentStatus.CREATED, PaymentStatus.PENDING],
        target=PaymentStatus.CANCELED,
        custom={"event": EventType.PAYMENT_CANCELED},
    )
    def cancel(self, *, reason: str = "") -> None:
        self.failure_reason = reason[:255]

    @transition(
        field=status,
        source=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED],
        target=PaymentStatus.PARTIALLY_REFUNDED,
        custom={"event": EventType.PAYMENT_PARTIALLY_REFUNDED},
    )
    def refund_partially(self) -> None:
        pass

    @transition(
        field=status,
        source=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED],
        target=PaymentStatus.REFUNDED,
        custom={"event": EventType.PAYMENT_REFUNDED},
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
    REQUESTED = "requested", "Requested by the customer"
    CANCELED_EVENT = "canceled_event", "Event or trip canceled"
    GOODWILL = "goodwill", "Goodwill"
    DUPLICATE = "duplicate", "Duplicate order"
    LATE_PAYMENT = "late_payment", "Paid after the order could no longer be finalized"
    AMENDMENT = "amendment", "Given back by an amendment"


class RefundFailureStage(models.TextChoices):
    SUPPLIER = "supplier", "Refused by the supplier (nothing moved)"
    PROVIDER = "provider", "Failed at the payment provider (money owed)"


class Refund(ConcurrentTransitionMixin, models.Model):
    """Money going back for some or all of an order's lines, the way it came.

    ``amount`` is what goes back (the lines' amounts minus any supplier fee); it is reserved
    against the payment when the refund is requested, so two refunds at once can never exceed what
    was paid. A FAILED refund reserves nothing.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    lines = models.ManyToManyField(
        "orders.OrderLine", through="RefundLine", blank=True, related_name="refunds"
    )
    status = FSMField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED, protected=True
    )
    reason = models.CharField(max_length=16, choices=RefundReason.choices)
    note = models.CharField(max_length=255, blank=True)
    amount = amount_field()
    supplier_fee = amount_field(default=0, help_text="Kept by the supplier; not returned.")
    currency = models.CharField(max_length=3)
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    failure_stage = models.CharField(max_length=8, choices=RefundFailureStage.choices, blank=True)
    retry_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retries",
        help_text="The refund that failed at the provider and whose money this one sends again.",
    )
    amendment = models.ForeignKey(
        "orders.OrderVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="The amendment whose money this gives back: a lower version's balance, or a "
        "payment for a draft that was discarded before it was paid. Such refunds take no lines.",
    )
    requested_by = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_not_negative"),
            models.CheckConstraint(condition=Q(supplier_fee__gte=0), name="refund_fee_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="refund_status_updated"),
            models.Index(fields=["status", "failure_stage"], name="refund_status_stage"),
        ]

    def __str__(self) -> str:
        return f"Refund {format_amount(self.amount, self.currency)} {self.currency} ({self.status})"

    @transition(
        field=status,
        source=RefundStatus.REQUESTED,
        target=RefundStatus.PROCESSING,
        custom={"event": EventType.REFUND_PROCESSING},
    )
    def process(self) -> None:
        pass

    @transition(
        field=status,
        source=RefundStatus.PROCESSING,
        target=RefundStatus.SUCCEEDED,
        custom={"event": EventType.REFUND_SUCCEEDED},
    )
    def succeed(self) -> None:
        pass

    @transition(
        field=status,
        source=[RefundStatus.REQUESTED, RefundStatus.PROCESSING],
        target=RefundStatus.FAILED,
        custom={"event": EventType.REFUND_FAILED},
    )
    def fail(self, *, reason: str = "", stage: str = RefundFailureStage.SUPPLIER) -> None:
        self.failure_reason = reason[:255]
        self.failure_stage = stage


class RefundLine(models.Model):
    """One line of a refund: what the line cost, what the supplier kept, what goes back."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="refund_lines")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="refund_lines")
    amount = amount_field(help_text="What goes back for this line.")
    supplier_fee = amount_field(default=0)
    supplier_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["refund", "line"], name="refund_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {format_amount(self.amount, self.refund.currency)} {self.refund.currency} back"


class Checkout(models.Model):
    """A partner's request that its customer pay an order on Tessera's hosted checkout page."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="checkout")
    return_url = models.URLField(max_length=1000, help_text="Where the customer goes back to.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Checkout of {self.order_id}"


class ProviderEvent(models.Model):
    """A provider callback already applied: a repeat with the same event id changes nothing."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.kind}"


# --- invoices and credit notes -----------------------------------------------------------------


class InvoiceStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    CLOSED = "CLOSED", "Closed"


class DocumentSequence(models.Model):
    """Gapless numbering: the last number given out per series, taken under a row lock."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class Invoice(ConcurrentTransitionMixin, models.Model):
    """A partner's monthly bill in one currency. OPEN while its period runs; CLOSED for good.

    Closing gives it the next number of its series, fixes its totals and stores its PDF and CSV;
    after that the row and its items never change.
    """

    partner = models.ForeignKey("orders.Partner", on_delete=models.PROTECT, related_name="invoices")
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField(help_text="First day after the period.")
    status = FSMField(max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN, protected=True)
    number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    net_amount = amount_field(default=0)
    tax_amount = amount_field(default=0)
    total_amount = amount_field(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    csv = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "partner"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "currency", "period_start"], name="invoice_partner_period_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "period_end"], name="invoice_status_period")]

    def __str__(self) -> str:
        return self.number or f"{self.partner} {self.period_start:%Y-%m} (open)"

    @transition(
        field=status,
        source=InvoiceStatus.OPEN,
        target=InvoiceStatus.CLOSED,
        custom={"event": EventType.INVOICE_CLOSED},
    )
    def close(self, *, number: str, at) -> None:
        self.number = number
        self.closed_at = at

    def _is_closed_in_db(self) -> bool:
        """Asks the database, not this instance: a stale OPEN copy of a closed row is refused too."""
        return (
            not self._state.adding
            and type(self)._default_manager.filter(pk=self.pk, status=InvoiceStatus.CLOSED).exists()
        )

    def save(self, *args, **kwargs) -> None:
        if self._is_closed_in_db():
            raise ImmutableRowError(f"Invoice {self.number} is closed; it never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._is_closed_in_db():
            raise ImmutableRowError(f"Invoice {self.number} is closed; it never changes.")
        return super().delete(*args, **kwargs)


class InvoiceItemKind(models.TextChoices):
    CHARGE = "charge", "Order"
    CREDIT = "credit", "Credit note"


class InvoiceItem(models.Model):
    """One order billed (a charge) or one credit note deducted (a credit) on an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=8, choices=InvoiceItemKind.choices)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoice_items")
    credit_note = models.OneToOneField(
        "CreditNote", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_item"
    )
    amendment = models.OneToOneField(
        "orders.OrderVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_item",
        help_text="The amendment whose balance this item bills (a charge) or gives back (a credit).",
    )
    description = models.CharField(max_length=255)
    net_amount = amount_field(help_text="Signed: credits are negative.")
    tax_amount = amount_field()
    total_amount = amount_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="charge", amendment__isnull=True),
                name="invoice_item_one_charge_per_order",
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError("Invoice items are written once; a correction is a credit note.")
        super().save(*args, **kwargs)


class CreditNote(models.Model):
    """The document that gives money back on an invoiced order; numbered without gaps, never changed.

    It gives back either a refund or the negative balance of a confirmed amendment, never both.
    """

    number = models.CharField(max_length=32, unique=True)
    partner = models.ForeignKey("orders.Partner", on_delete=models.PROTECT, related_name="credit_notes")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="credit_notes")
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    amendment = models.OneToOneField(
        "orders.OrderVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
        help_text="The amendment whose negative balance this note gives back.",
    )
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="The invoice the order was billed on.",
    )
    currency = models.CharField(max_length=3)
    net_amount = amount_field()
    tax_amount = amount_field()
    total_amount = amount_field()
    issued_at = models.DateTimeField()
    pdf = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund__isnull=False, amendment__isnull=True)
                | Q(refund__isnull=True, amendment__isnull=False),
                name="credit_note_of_refund_or_amendment",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError(f"Credit note {self.number} is issued; it never changes.")
        super().save(*args, **kwargs)


# --- the sandbox payment provider's own records (what a real provider keeps on its side) ----------


class SandboxSessionState(models.TextChoices):
    OPEN = "OPEN", "Open"
    PAID = "PAID", "Paid"
    FAILED = "FAILED", "Failed"
    CANCELED = "CANCELED", "Canceled"
    EXPIRED = "EXPIRED", "Expired"


class SandboxBankSession(models.Model):
    id = models.CharField(max_length=40, primary_key=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    merchant_reference = models.CharField(max_length=100, help_text="Tessera's payment id.")
    amount = amount_field()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=8, choices=SandboxSessionState.choices, default="OPEN")
    return_url = models.URLField(max_length=1000)
    callback_url = models.URLField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.id} {self.state}"


class SandboxRefundState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"


class SandboxBankRefund(models.Model):
    id = models.CharField(max_length=40, primary_key=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    session = models.ForeignKey(SandboxBankSession, on_delete=models.PROTECT, related_name="refunds")
    amount = amount_field()
    state = models.CharField(max_length=10, choices=SandboxRefundState.choices, default="PENDING")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.id} {self.state}"
