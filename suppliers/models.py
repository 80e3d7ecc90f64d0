"""The supply side: suppliers, their products, and the priced offers partners order from."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from tessera.event_types import EventType
from tessera.fields import amount_field
from tessera.ids import time_ordered_uuid
from tessera.money import format_amount


class SupplierKind(models.TextChoices):
    RAIL = "rail", "Rail"
    AIR = "air", "Air"
    EVENT = "event", "Event"
    VOUCHER = "voucher", "Voucher"


class Delivery(models.TextChoices):
    REALTIME = "realtime", "Realtime"
    DELAYED = "delayed", "Delayed"


class StockSource(models.TextChoices):
    SUPPLIER = "supplier", "The supplier delivers each order"
    INVENTORY = "inventory", "Codes from Tessera's own stock"


def validate_time_zone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not an IANA time zone (e.g. Europe/Oslo).")


class Supplier(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=SupplierKind.choices)
    adapter = models.CharField(max_length=64, help_text="Name of a registered supplier adapter.")
    settings = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    supports_exchange = models.BooleanField(
        "exchanges through its change call",
        default=False,
        help_text="An amendment's exchange at this supplier is reserved and issued through the "
        "supplier's own exchange call, which cancels the old ticket itself (docs/supplier-protocol.md). "
        "Off: Tessera reserves the new ticket, then issues it and returns the old one.",
    )
    # Bulkhead and timeouts (suppliers.bulkhead, the http_json adapter).
    max_concurrent_calls = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Calls to this supplier in flight at once, across all workers; more wait in the queue.",
    )
    connect_timeout_seconds = models.FloatField(
        default=3.0, validators=[MinValueValidator(0.1)], help_text="Seconds to open a connection."
    )
    read_timeout_seconds = models.FloatField(
        default=40.0,
        validators=[MinValueValidator(0.1)],
        help_text="Seconds to wait for an answer; after that the outcome is unknown and reconciled.",
    )
    # Circuit breaker (suppliers.breaker): settings, then its state.
    breaker_failure_threshold = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="Failures or timeouts in a row that open the breaker (calls stop, lines wait).",
    )
    breaker_cooldown_seconds = models.PositiveIntegerField(
        default=30, help_text="Seconds the breaker stays open before one probe call is let through."
    )
    breaker_failures = models.PositiveIntegerField(default=0, editable=False)
    breaker_opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    breaker_probe_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from suppliers.adapters import adapter_exchanges, registered_names

        if self.adapter not in registered_names():
            raise ValidationError(
                {"adapter": f"No adapter named {self.adapter!r}; known: {registered_names()}"}
            )
        if self.supports_exchange and not adapter_exchanges(self.adapter):
            raise ValidationError(
                {"supports_exchange": f"The {self.adapter!r} adapter cannot send exchanges."}
            )


class DeliveryMode(models.TextChoices):
    """How the customer receives what was bought (seed 003); a product's, copied to each
    of its order lines."""

    ONLINE = "online", "Online (a code or link)"
    OFFLINE = "offline", "Offline (collected or posted)"


class SupplierCallLease(models.Model):
    """A slot of a supplier's bulkhead held by one call in flight. A worker killed mid-call
    cannot give it back: the lease expires and its slot frees itself."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="call_leases")
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["supplier", "expires_at"], name="supplier_lease_expiry")]

    def __str__(self) -> str:
        return f"call to {self.supplier_id} until {self.expires_at:%H:%M:%S}"


class SupplierEvent(models.Model):
    """The audit trail of a supplier's own state (its breaker), named like ``supplier.breaker_opened``."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["supplier", "-created_at"], name="supplier_event_recent")]

    def __str__(self) -> str:
        return f"{self.name} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class Product(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(max_length=8, choices=SupplierKind.choices)
    name = models.CharField(max_length=200)
    supplier_reference = models.CharField(max_length=100)
    price = amount_field(null=True, blank=True, help_text="Unit price; empty for denominated vouchers.")
    currency = models.CharField(max_length=3)
    denominations = models.JSONField(
        default=list, blank=True, help_text='Voucher face values as decimal strings, e.g. ["25.00"].'
    )
    tax_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="Value added tax included in the price, in percent (e.g. 12.00).",
    )
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.REALTIME)
    delivery_mode = models.CharField(max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.ONLINE)
    stock_source = models.CharField(max_length=10, choices=StockSource.choices, default=StockSource.SUPPLIER)
    low_stock_threshold = models.PositiveIntegerField(
        default=10, help_text="Stock products: the dashboard warns when fewer codes are available."
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Where the event or the departure is (IANA name, e.g. Europe/Oslo): "
        "customers' pages and tickets show its times there.",
    )
    from_place = models.CharField(max_length=100, blank=True, help_text="The supplier's id of the place.")
    from_place_name = models.CharField(
        max_length=100, blank=True, help_text="The place as customers read it, e.g. Oslo S."
    )
    to_place = models.CharField(max_length=100, blank=True, help_text="The supplier's id of the place.")
    to_place_name = models.CharField(
        max_length=100, blank=True, help_text="The place as customers read it, e.g. Bergen."
    )
    settings = models.JSONField(
        default=dict, blank=True, help_text="Adapter settings for this product (the sandbox's behaviour)."
    )
    allows_exchange = models.BooleanField(
        "may be exchanged", default=True, help_text="An issued ticket may be exchanged by an amendment."
    )
    change_fee = amount_field(default=0, help_text="Charged for each ticket exchanged by an amendment.")
    allows_removal = models.BooleanField(
        "may be removed", default=True, help_text="An issued ticket may be removed by an amendment."
    )
    cancellation_fee = amount_field(
        default=0, help_text="Kept from the price of each ticket an amendment removes."
    )
    allows_traveller_change = models.BooleanField(
        "traveller may be changed",
        default=False,
        help_text="An amendment may change the details (name, birth date, contact) of the traveller "
        "of an issued ticket.",
    )
    traveller_change_fee = amount_field(
        default=0, help_text="Charged for each issued ticket of a traveller an amendment changes."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["supplier", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "supplier_reference"], name="product_supplier_ref_unique"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lt=100), name="product_tax_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(change_fee__gte=0, cancellation_fee__gte=0, traveller_change_fee__gte=0),
                name="product_change_fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def requires_traveller(self) -> bool:
        return self.kind in {SupplierKind.RAIL, SupplierKind.AIR}

    @property
    def zone(self) -> ZoneInfo:
        """The product's time zone; UTC if its name is unknown to this machine."""
        try:
            return ZoneInfo(self.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def place_name(self, place_id: str) -> str:
        """The display name of one of the product's places, else the id itself."""
        names = {self.from_place: self.from_place_name, self.to_place: self.to_place_name}
        return (names.get(place_id) if place_id else "") or place_id


class Offer(models.Model):
    """A priced quote for one partner that expires; the snapshot is what the partner was shown."""

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    partner = models.ForeignKey("orders.Partner", on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="offers")
    quantity = models.PositiveSmallIntegerField()
    unit_price = amount_field()
    total_amount = amount_field()
    currency = models.CharField(max_length=3)
    denomination = amount_field(null=True, blank=True)
    snapshot = models.JSONField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="offer_partner_created")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="offer_quantity_positive"),
        ]

    def __str__(self) -> str:
        total = format_amount(self.total_amount, self.currency)
        return f"{self.quantity} × {self.product} ({total} {self.currency})"


class SandboxBooking(models.Model):
    """The sandbox supplier's own memory of what it was asked, as a real supplier's system would.

    It is not Tessera's state: it lets the sandbox answer idempotently per key, remember what a
    timed-out call really did (so reconciliation has something true to find), and count how
    many times it issued, which is how tests prove nothing was issued twice.
    """

    booking_ref = models.CharField(max_length=32, primary_key=True)
    line_key = models.CharField(max_length=64, unique=True)
    reserve_calls = models.PositiveIntegerField(default=0)
    issue_calls = models.PositiveIntegerField(default=0)
    issued_keys = models.JSONField(default=list)
    state = models.CharField(max_length=16)
    reserved_at = models.DateTimeField(null=True)
    issue_accepted_at = models.DateTimeField(null=True)
    released_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.booking_ref} {self.state}"


class CodeStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE", "Available"
    ALLOCATED = "ALLOCATED", "Allocated to an order line"
    DELIVERED = "DELIVERED", "Delivered"
    BLOCKED = "BLOCKED", "Blocked"
    REVOKED = "REVOKED", "Revoked"


class InventoryImport(models.Model):
    """One CSV of codes staff imported for a stock product: all rows or none."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inventory_imports")
    filename = models.CharField(max_length=255)
    imported_by = models.CharField(max_length=200)
    codes_imported = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.codes_imported} codes)"


class InventoryCode(ConcurrentTransitionMixin, models.Model):
    """A voucher code bought in bulk and held by Tessera, sealed like a delivered voucher.

    Orders claim AVAILABLE rows with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two orders never get
    one code and neither waits for the other. ``code_digest`` (HMAC of the code) finds duplicates
    without the plaintext.
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inventory_codes")
    batch = models.ForeignKey(InventoryImport, on_delete=models.PROTECT, related_name="codes")
    status = FSMField(max_length=10, choices=CodeStatus.choices, default=CodeStatus.AVAILABLE, protected=True)
    key_id = models.CharField(max_length=32)
    code_sealed = models.BinaryField(editable=False)
    pin_sealed = models.BinaryField(null=True, blank=True, editable=False)
    code_digest = models.CharField(max_length=64, editable=False)
    valid_until = models.DateTimeField(null=True, blank=True)
    line = models.OneToOneField(
        "orders.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="inventory_code"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code_digest"], name="inventory_code_unique"),
        ]
        indexes = [
            models.Index(
                fields=["product", "id"],
                name="inventory_available",
                condition=Q(status="AVAILABLE"),
            ),
            models.Index(fields=["product", "status"], name="inventory_product_status"),
        ]

    def __str__(self) -> str:
        return f"Code {self.pk} of {self.product_id} ({self.status})"

    @transition(
        field=status,
        source=CodeStatus.AVAILABLE,
        target=CodeStatus.ALLOCATED,
        custom={"event": EventType.STOCK_CODE_ALLOCATED},
    )
    def allocate(self, *, line, at) -> None:
        self.line = line
        self.allocated_at = at

    @transition(
        field=status,
        source=CodeStatus.ALLOCATED,
        target=CodeStatus.AVAILABLE,
        custom={"event": EventType.STOCK_CODE_RELEASED},
    )
    def release(self) -> None:
        self.line = None
        self.allocated_at = None

    @transition(
        field=status,
        source=CodeStatus.ALLOCATED,
        target=CodeStatus.DELIVERED,
        custom={"event": EventType.STOCK_CODE_DELIVERED},
    )
    def deliver(self, *, at) -> None:
        self.delivered_at = at

    @transition(
        field=status,
        source=[CodeStatus.AVAILABLE],
        target=CodeStatus.BLOCKED,
        custom={"event": EventType.STOCK_CODE_BLOCKED},
    )
    def block(self) -> None:
        pass

    @transition(
        field=status,
        source=CodeStatus.BLOCKED,
        target=CodeStatus.AVAILABLE,
        custom={"event": EventType.STOCK_CODE_UNBLOCKED},
    )
    def unblock(self) -> None:
        pass

    @transition(
        field=status,
        source=[CodeStatus.AVAILABLE, CodeStatus.BLOCKED, CodeStatus.DELIVERED],
        target=CodeStatus.REVOKED,
        custom={"event": EventType.STOCK_CODE_REVOKED},
    )
    def revoke(self) -> None:
        pass
