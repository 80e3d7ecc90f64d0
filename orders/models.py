"""The demand side: partners, orders, their lines, travellers, vouchers and the audit trail.

Models hold data and FSM transitions only. A transition changes its own row; services call it
inside ``transaction.atomic()`` on a locked row, save, and record the OrderEvent.
"""

import secrets
from operator import attrgetter

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orders.statuses import (
    ActorKind,
    AmendmentStatus,
    BillingMode,
    LinePhase,
    LineStatus,
    LineSubStatus,
    OrderStatus,
    VoucherKind,
    VoucherStatus,
)
from suppliers.models import DeliveryMode
from tessera.event_types import EventType
from tessera.fields import amount_field
from tessera.ids import time_ordered_uuid


def new_order_reference() -> str:
    """A short reference people can read out on the phone: ``T-`` and 10 unambiguous chars."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "T-" + "".join(secrets.choice(alphabet) for _ in range(10))


def new_order_key() -> str:
    """The customer's unguessable key for checkout and status pages (192 random bits)."""
    return secrets.token_urlsafe(24)


class Partner(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    allows_wallet = models.BooleanField("may pay by wallet credits", default=False)
    allows_invoice = models.BooleanField("may pay by monthly invoice", default=False)
    allows_gateway = models.BooleanField("may use the payment gateway", default=False)
    rate_limit = models.CharField(
        max_length=20,
        blank=True,
        help_text="API requests allowed per client, e.g. '600/min'; empty for the default (API_RATE_LIMIT).",
    )
    seller_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The legal name printed on customers' receipts; empty for the name above.",
    )
    seller_address = models.TextField(
        blank=True, help_text="The address printed on receipts; empty for SELLER_ADDRESS."
    )
    seller_vat_number = models.CharField(
        "seller VAT number",
        max_length=32,
        blank=True,
        help_text="The VAT number printed on receipts; empty for SELLER_VAT_NUMBER.",
    )
    customer_emails = models.BooleanField(
        "e-mails its customers",
        default=False,
        help_text="Tessera e-mails the customer of each order (confirmed, tickets ready, refunded, payment "
        "failed). Orders paid through hosted checkout are e-mailed whatever this says.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def billing_modes(self) -> list[str]:
        allowed = {
            BillingMode.WALLET: self.allows_wallet,
            BillingMode.INVOICE: self.allows_invoice,
            BillingMode.GATEWAY: self.allows_gateway,
        }
        return [mode.value for mode, on in allowed.items() if on]


class Order(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    reference = models.CharField(max_length=16, unique=True, default=new_order_reference, editable=False)
    order_key = models.CharField(max_length=64, unique=True, default=new_order_key, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="orders")
    status = FSMField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING, protected=True)
    currency = models.CharField(max_length=3)
    total_amount = amount_field()
    payment_method = models.CharField(max_length=16, choices=BillingMode.choices, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The customer's language: e-mails are written in it.",
    )
    external_reference = models.CharField(max_length=128, blank=True)
    client_name = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(
        max_length=255, blank=True, help_text="The partner's Idempotency-Key that created this order."
    )
    metadata = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    finalized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # One index behind every filter and ordering of the partner API (all scoped to a
        # partner), plus the worker's expiry sweep and the back office's status list.
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="order_partner_created"),
            models.Index(fields=["partner", "status", "-created_at"], name="order_partner_status"),
            models.Index(fields=["partner", "updated_at", "id"], name="order_partner_updated"),
            models.Index(fields=["partner", "external_reference"], name="order_partner_extref"),
            models.Index(fields=["partner", "contact_email"], name="order_partner_email"),
            models.Index(fields=["partner", "total_amount"], name="order_partner_total"),
            # (partner, finalized_at DESC NULLS LAST) is PostgreSQL-only: migration 0005.
            models.Index(fields=["partner", "finalized_at"], name="order_partner_finalized"),
            models.Index(fields=["partner", "expires_at"], name="order_partner_expires"),
            models.Index(fields=["partner", "currency", "-created_at"], name="order_partner_currency"),
            models.Index(fields=["partner", "payment_method", "-created_at"], name="order_partner_method"),
            models.Index(fields=["partner", "client_name", "-created_at"], name="order_partner_client"),
            models.Index(fields=["status", "-created_at"], name="order_status_created"),
            # The back office lists all partners' orders: newest first, by method, by update.
            models.Index(fields=["-created_at"], name="order_created"),
            models.Index(fields=["payment_method", "-created_at"], name="order_method_created"),
            # The back office's search ignores case: references compared upper-cased.
            models.Index(Upper("external_reference"), name="order_extref_upper"),
            models.Index(fields=["contact_email"], name="order_contact_email"),
            models.Index(fields=["status", "updated_at"], name="order_status_updated"),
            models.Index(fields=["expires_at"], name="order_pending_expiry", condition=Q(status="PENDING")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_not_negative"),
            models.UniqueConstraint(
                fields=["partner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_partner_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- transitions: each changes this row only -------------------------------------------

    @transition(
        field=status,
        source=OrderStatus.PENDING,
        target=OrderStatus.PROCESSING,
        custom={"event": EventType.ORDER_FINALIZED},
    )
    def finalize(self, *, payment_method: str, at) -> None:
        self.payment_method = payment_method
        self.finalized_at = at

    # The back office's buttons (django_fsm.admin with FSM_ADMIN_FORCE_PERMIT) are the transitions
    # marked custom={"admin": True}; the admin applies each through its service, never directly.
    @transition(
        field=status,
        source=OrderStatus.PENDING,
        target=OrderStatus.CANCELED,
        permission="orders.change_order",
        custom={"event": EventType.ORDER_CANCELED, "admin": True, "label": "Cancel order…"},
    )
    def cancel(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.PENDING,
        target=OrderStatus.EXPIRED,
        custom={"event": EventType.ORDER_EXPIRED},
    )
    def expire(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.PENDING,
        target=OrderStatus.FAILED,
        custom={"event": EventType.ORDER_RESERVATION_FAILED},
    )
    def fail_reservation(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.FAILED,
        custom={"event": EventType.ORDER_ISSUANCE_FAILED},
    )
    def fail_issuance(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.FULFILLED,
        custom={"event": EventType.ORDER_FULFILLED},
    )
    def fulfill(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.PARTIALLY_FULFILLED,
        custom={"event": EventType.ORDER_PARTIALLY_FULFILLED},
    )
    def fulfill_partially(self) -> None:
        pass

    @transition(
        field=status,
        source=[
            OrderStatus.FULFILLED,
            OrderStatus.PARTIALLY_FULFILLED,
            OrderStatus.PARTIALLY_REFUNDED,
        ],
        target=OrderStatus.PARTIALLY_REFUNDED,
        permission="payments.add_refund",
        custom={"event": EventType.ORDER_PARTIALLY_REFUNDED, "admin": True, "label": "Refund…"},
    )
    def refund_partially(self) -> None:
        pass

    @transition(
        field=status,
        source=[
            OrderStatus.FULFILLED,
            OrderStatus.PARTIALLY_FULFILLED,
            OrderStatus.PARTIALLY_REFUNDED,
        ],
        target=OrderStatus.REFUNDED,
        custom={"event": EventType.ORDER_REFUNDED},
    )
    def refund_fully(self) -> None:
        pass

    @transition(
        field=status,
        source=[OrderStatus.FULFILLED, OrderStatus.PARTIALLY_FULFILLED],
        target=OrderStatus.PROCESSING,
        custom={"event": EventType.ORDER_AMENDED},
    )
    def amend(self) -> None:
        """A confirmed amendment added lines: they issue now, and the order settles again."""

    # --- versions (seed 002): what the current confirmed version holds ------------------------

    @property
    def current_lines(self) -> list["OrderLine"]:
        """The lines of the order's current version, from its (prefetched) lines."""
        return [line for line in self.lines.all() if in_version(line, self.version)]

    @property
    def current_travellers(self) -> list["Traveller"]:
        return [traveller for traveller in self.travellers.all() if in_version(traveller, self.version)]


def in_version(row, number: int) -> bool:
    """Whether a line or traveller belongs to version ``number`` of its order.

    A row lives from the version that added it up to, not including, the one that removed it. A
    draft's removals carry the draft's number while the draft is open, so the current version
    still holds them; a discarded draft's own rows are removed in the version that added them,
    so they belong to no version at all.
    """
    return row.added_in_version <= number and (
        row.removed_in_version is None or row.removed_in_version > number
    )


def version_changes(lines, number: int) -> tuple[list, list]:
    """The lines version ``number`` (a draft or a confirmed amendment) added and those it gave
    up, among an order's ``lines``, each by position. A line failed out of a draft is neither."""
    added = [line for line in lines if line.added_in_version == number and line.removed_in_version != number]
    removed = [line for line in lines if line.removed_in_version == number and line.added_in_version < number]
    return sorted(added, key=attrgetter("position")), sorted(removed, key=attrgetter("position"))


class OrderVersion(ConcurrentTransitionMixin, models.Model):
    """A change of a confirmed order (seed 002): version ``number`` of it, DRAFT until confirmed.

    Version 1 is the order as it was finalized and has no row; each amendment is one. The lines
    and travellers it adds carry its number in ``added_in_version``, those it removes in
    ``removed_in_version`` (orders.models.in_version). A discarded draft gives its number back:
    the next draft takes it again.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = FSMField(
        max_length=16, choices=AmendmentStatus.choices, default=AmendmentStatus.DRAFT, protected=True
    )
    currency = models.CharField(max_length=3)
    previous_total = amount_field(help_text="The order's total in the version before this one.")
    total_amount = amount_field(help_text="The order's total in this version.")
    fee_amount = amount_field(default=0, help_text="Change fees the products charge for this amendment.")
    balance = amount_field(
        help_text="What confirming moves: the new total minus what was paid, plus fees. Positive: "
        "the partner pays it; negative: it goes back."
    )
    expires_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=255, blank=True)
    settlement_reference = models.CharField(
        max_length=100, blank=True, help_text="The ledger entry that moved the balance, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "number", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="DRAFT"), name="version_one_draft_per_order"
            ),
            models.UniqueConstraint(
                fields=["order", "number"], condition=~Q(status="DISCARDED"), name="version_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=2), name="version_number_after_first"),
        ]
        indexes = [
            models.Index(fields=["expires_at"], name="version_draft_expiry", condition=Q(status="DRAFT")),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} ({self.status})"

    @transition(
        field=status,
        source=AmendmentStatus.DRAFT,
        target=AmendmentStatus.CONFIRMED,
        custom={"event": EventType.AMENDMENT_CONFIRMED},
    )
    def confirm(self, *, at, settlement_reference: str = "") -> None:
        self.confirmed_at = at
        self.settlement_reference = settlement_reference

    @transition(
        field=status,
        source=AmendmentStatus.DRAFT,
        target=AmendmentStatus.DISCARDED,
        custom={"event": EventType.AMENDMENT_RESET},
    )
    def reset(self, *, at) -> None:
        self.discarded_at = at

    @transition(
        field=status,
        source=AmendmentStatus.DRAFT,
        target=AmendmentStatus.DISCARDED,
        custom={"event": EventType.AMENDMENT_EXPIRED},
    )
    def expire(self, *, at) -> None:
        self.discarded_at = at


class Traveller(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="travellers")
    position = models.PositiveSmallIntegerField()
    external_id = models.CharField("partner's traveller id", max_length=64, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    born_on = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    added_in_version = models.PositiveIntegerField(default=1)
    removed_in_version = models.PositiveIntegerField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text="The traveller whose details this one corrects (an amendment's traveller change).",
    )

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="traveller_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class OrderLine(ConcurrentTransitionMixin, models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    offer = models.ForeignKey("suppliers.Offer", on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("suppliers.Product", on_delete=models.PROTECT, related_name="lines")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="lines")
    traveller = models.ForeignKey(
        Traveller, on_delete=models.SET_NULL, null=True, blank=True, related_name="lines"
    )
    status = FSMField(max_length=16, choices=LineStatus.choices, default=LineStatus.RESERVING, protected=True)
    phase = models.CharField(max_length=8, choices=LinePhase.choices, default=LinePhase.RESERVE)
    sub_status = models.CharField(
        max_length=24, choices=LineSubStatus.choices, default=LineSubStatus.NONE, blank=True
    )
    description = models.CharField(max_length=255)
    amount = amount_field()
    currency = models.CharField(max_length=3)
    tax_rate = models.DecimalField(
        "VAT rate (%)", max_digits=5, decimal_places=2, default=0, help_text="Included in the amount."
    )
    denomination = amount_field(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    from_place = models.CharField(max_length=100, blank=True)
    to_place = models.CharField(max_length=100, blank=True)
    supplier_reservation_ref = models.CharField(max_length=100, blank=True)
    supplier_booking_ref = models.CharField(max_length=100, blank=True, db_index=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    supplier_attempts = models.PositiveSmallIntegerField(default=0)
    waiting_since = models.DateTimeField(null=True, blank=True)
    added_in_version = models.PositiveIntegerField(default=1)
    removed_in_version = models.PositiveIntegerField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text="The line this one takes the place of (an amendment's exchange).",
    )
    supplier_exchange = models.BooleanField(
        default=False,
        help_text="Reserved and issued through its supplier's exchange call, which cancels the line "
        "it replaces itself (no separate return of that line).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="line_position_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(supplier_exchange=False) | Q(replaces__isnull=False),
                name="line_supplier_exchange_replaces",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="line_status_updated"),
            # "Does this order have a line from supplier / of product X?" answered from the index.
            models.Index(fields=["order", "supplier"], name="line_order_supplier"),
            models.Index(fields=["order", "product"], name="line_order_product"),
            models.Index(fields=["starts_at"], name="line_starts_at"),
            models.Index(fields=["from_place"], name="line_from_place"),
            models.Index(fields=["to_place"], name="line_to_place"),
            models.Index(Upper("supplier_booking_ref"), name="line_booking_ref_upper"),
        ]

    def __str__(self) -> str:
        return f"Line {self.position}: {self.description}"

    # Idempotency keys for supplier calls: stable per line and operation, so any retry, any
    # re-run after a crash and any duplicate task sends the supplier the same key.
    def supplier_key(self, operation: str) -> str:
        return f"tessera:{self.pk}:{operation}"

    # --- transitions ------------------------------------------------------------------------

    @transition(
        field=status,
        source=LineStatus.RESERVING,
        target=LineStatus.RESERVED,
        custom={"event": EventType.LINE_RESERVED},
    )
    def mark_reserved(self, *, reservation_ref: str) -> None:
        self.supplier_reservation_ref = reservation_ref
        self.waiting_since = None

    @transition(
        field=status,
        source=[LineStatus.RESERVING, LineStatus.ISSUING, LineStatus.UNKNOWN],
        target=LineStatus.FAILED,
        permission=lambda line, user: may_fail_by_hand(line, user),
        custom={"event": EventType.LINE_FAILED, "admin": True, "label": "Mark failed…"},
    )
    def mark_failed(self, *, code: str, reason: str) -> None:
        self.failure_code = code
        self.failure_reason = reason[:255]
        self.waiting_since = None
        self.sub_status = LineSubStatus.NONE  # nothing is on its way any more

    @transition(
        field=status,
        source=[LineStatus.RESERVING, LineStatus.ISSUING],
        target=LineStatus.UNKNOWN,
        custom={"event": EventType.LINE_UNKNOWN},
    )
    def mark_unknown(self, *, reason: str) -> None:
        self.failure_reason = reason[:255]

    @transition(
        field=status,
        source=[LineStatus.RESERVING, LineStatus.RESERVED, LineStatus.UNKNOWN],
        target=LineStatus.RELEASED,
        conditions=[lambda line: line.phase == LinePhase.RESERVE],
        custom={"event": EventType.LINE_RELEASED},
    )
    def release(self) -> None:
        self.waiting_since = None

    @transition(
        field=status,
        source=LineStatus.RESERVED,
        target=LineStatus.ISSUING,
        custom={"event": EventType.LINE_ISSUING},
    )
    def start_issuing(self, *, at) -> None:
        self.phase = LinePhase.ISSUE
        self.supplier_attempts = 0
        self.waiting_since = at
        self._ask_the_vendor()

    def _ask_the_vendor(self) -> None:
        """Sub-status while the supplier is asked to issue; a code from stock keeps its own."""
        if self.sub_status != LineSubStatus.STOCK_ALLOCATED:
            self.sub_status = LineSubStatus.VENDOR_ORDER_PENDING

    @transition(
        field=status,
        source=[LineStatus.ISSUING, LineStatus.UNKNOWN],
        target=LineStatus.ISSUED,
        conditions=[lambda line: line.phase == LinePhase.ISSUE],
        custom={"event": EventType.LINE_ISSUED},
    )
    def mark_issued(self, *, booking_ref: str) -> None:
        self.supplier_booking_ref = booking_ref
        self.waiting_since = None
        self.failure_reason = ""
        self.sub_status = LineSubStatus.VOUCHER_FETCHED

    @transition(
        field=status,
        source=LineStatus.UNKNOWN,
        target=LineStatus.RESERVED,
        conditions=[lambda line: line.phase == LinePhase.RESERVE],
        custom={"event": EventType.LINE_RESERVATION_CONFIRMED},
    )
    def resolve_reserved(self, *, reservation_ref: str) -> None:
        self.supplier_reservation_ref = reservation_ref
        self.waiting_since = None
        self.failure_reason = ""

    @transition(
        field=status,
        source=LineStatus.UNKNOWN,
        target=LineStatus.RESERVING,
        conditions=[lambda line: line.phase == LinePhase.RESERVE],
        permission="orders.change_orderline",
        custom={"event": EventType.LINE_RESERVATION_RETRIED, "admin": True, "label": "Retry the reservation"},
    )
    def retry_reservation(self, *, at) -> None:
        self.waiting_since = at
        self.failure_reason = ""

    @transition(
        field=status,
        source=LineStatus.UNKNOWN,
        target=LineStatus.ISSUING,
        conditions=[lambda line: line.phase == LinePhase.ISSUE],
        permission="orders.change_orderline",
        custom={"event": EventType.LINE_ISSUANCE_RETRIED, "admin": True, "label": "Retry the issuance"},
    )
    def retry_issuance(self, *, at) -> None:
        self.waiting_since = at
        self.failure_reason = ""
        self._ask_the_vendor()

    @transition(
        field=status,
        source=LineStatus.ISSUED,
        target=LineStatus.REFUNDED,
        custom={"event": EventType.LINE_REFUNDED},
    )
    def mark_refunded(self) -> None:
        pass

    @transition(
        field=status,
        source=LineStatus.ISSUED,
        target=LineStatus.REMOVED,
        custom={"event": EventType.LINE_REMOVED},
    )
    def remove(self) -> None:
        """A confirmed amendment removed the line; the supplier is told after commit."""

    @transition(
        field=status,
        source=LineStatus.ISSUED,
        target=LineStatus.REMOVED,
        custom={"event": EventType.LINE_EXCHANGED},
    )
    def exchange(self) -> None:
        """A confirmed amendment gave the line up for a new one (its ``replaced_by``); as ``remove``,
        under its own event so that partners tell an exchange from a removal."""


def may_fail_by_hand(line: OrderLine, user) -> bool:
    """Staff may fail only a line whose outcome is UNKNOWN (the supplier confirmed it lost), and
    only if they may also give money back: failing a line returns what was paid for it."""
    return (
        line.status == LineStatus.UNKNOWN
        and user.has_perm("orders.change_orderline")
        and user.has_perm("payments.add_refund")
    )


class Voucher(ConcurrentTransitionMixin, models.Model):
    """What a delivered line yields: a ticket or a code. Secrets are stored sealed (AES-GCM).

    ``code_digest`` is a keyed hash (HMAC) of the code, for lookups and uniqueness without the
    plaintext. ``supplier_secret_sealed`` holds any other secret a supplier hands over with it.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="voucher")
    kind = models.CharField(max_length=8, choices=VoucherKind.choices)
    status = FSMField(
        max_length=8, choices=VoucherStatus.choices, default=VoucherStatus.ACTIVE, protected=True
    )
    delivery_mode = models.CharField(max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.ONLINE)
    collection_reference = models.CharField(max_length=100, blank=True)
    key_id = models.CharField(max_length=32, blank=True)
    code_sealed = models.BinaryField(null=True, blank=True, editable=False)
    pin_sealed = models.BinaryField(null=True, blank=True, editable=False)
    url_sealed = models.BinaryField(null=True, blank=True, editable=False)
    supplier_secret_sealed = models.BinaryField(null=True, blank=True, editable=False)
    code_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        permissions = [
            ("reveal_voucher", "Can reveal voucher codes, PINs and links"),
            ("validate_ticket", "Can check whether a ticket's QR code is genuine and valid"),
        ]
        indexes = [models.Index(fields=["key_id"], name="voucher_key_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for line {self.line_id}"

    @transition(
        field=status,
        source=VoucherStatus.ACTIVE,
        target=VoucherStatus.REVOKED,
        permission="orders.change_voucher",
        custom={"event": EventType.VOUCHER_REVOKED, "admin": True, "label": "Revoke…"},
    )
    def revoke(self, *, reason: str, at) -> None:
        self.revoked_at = at
        self.revoked_reason = reason[:255]


class OrderEvent(models.Model):
    """One row per state transition or audited action: who, what, when, and from where.

    ``transition`` holds the event's type (tessera.event_types.EventType; the name is older than
    the vocabulary); ``subject_type`` is its first word.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    subject_type = models.CharField(max_length=16)  # order, line, payment, refund, voucher, ...
    subject_id = models.CharField(max_length=64)
    transition = models.CharField("event", max_length=64, choices=EventType.choices)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    actor_label = models.CharField(max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correlation_id = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_created")]
        constraints = [
            models.CheckConstraint(condition=Q(transition__in=EventType.values), name="event_type_known"),
        ]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_status} → {self.to_status}"


class OrderNote(models.Model):
    """A staff member's internal note on an order: kept with its author and time, never edited or
    deleted, and never shown to partners or customers (no API, webhook or customer page reads it)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="note_order_created")]

    def __str__(self) -> str:
        return f"Note by {self.author_label}"


class ApiKey(models.Model):
    """A partner's key to the API. Only a hash is stored; the key is shown once, at creation.

    A key reads ``tsk_<prefix>_<secret>``: the prefix (stored in clear, unique) finds the row,
    and the SHA-256 of the whole key is compared in constant time.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'production app'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["partner", "-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.partner} · {self.name} (tsk_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class IdempotencyRecord(models.Model):
    """The first response to a partner's Idempotency-Key, replayed to every retry of it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=300, help_text="Method and path the key was first used on.")
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=IdempotencyState.choices)
    locked_until = models.DateTimeField(help_text="An IN_PROGRESS record older than this was abandoned.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="idempotency_partner_key"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.key} {self.state}"
