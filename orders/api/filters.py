"""The filters and orderings of ``GET /api/v1/orders``. Each is backed by an index (orders/models.py)."""

import dataclasses
import re

from django.db.models import Exists, F, OuterRef, Q

from orders.models import Order, OrderLine
from orders.statuses import BillingMode, OrderStatus
from suppliers.models import Supplier
from tessera.api.filtering import (
    COMPARISON,
    CURRENCY,
    DECIMAL,
    EQUALITY,
    INTEGER,
    ORDERED,
    TIMESTAMP,
    OperatorFilter,
    OperatorFilterSet,
    Value,
    choice,
    identifier,
    text,
)
from tessera.errors import InvalidFilter

ORDER_ID = identifier("an order id")
NO_SUPPLIER = 0
SUPPLIER_SLUG = text(64)


def parse_supplier(raw: str) -> int:
    """A supplier slug, looked up once, so line conditions use supplier_id and its statistics.
    An unknown slug matches nothing, as any other unknown value does."""
    slug = SUPPLIER_SLUG.parse(raw)
    return Supplier.objects.filter(slug=slug).values_list("pk", flat=True).first() or NO_SUPPLIER


REFERENCE_PATTERN = r"[A-Za-z0-9-]{1,16}"


def parse_reference(raw: str) -> str:
    """Tessera's reference as customers quote it (T-SD8XJP4GNP): case ignored, since references
    are upper case. Any other value of these characters is looked up and matches nothing."""
    if not re.fullmatch(REFERENCE_PATTERN, raw):
        raise ValueError(f"{raw!r} is not a Tessera order reference, e.g. T-SD8XJP4GNP.")
    return raw.upper()


SUPPLIER = dataclasses.replace(SUPPLIER_SLUG, parse=parse_supplier)
REFERENCE = Value(parse_reference, {"type": "string", "pattern": f"^{REFERENCE_PATTERN}$"}, REFERENCE_PATTERN)


def on_lines(condition: Q) -> Q:
    """An order matches when one of its lines meets the whole condition."""
    return Exists(OrderLine.objects.filter(condition, order=OuterRef("pk")))


def while_pending(condition: Q) -> Q:
    """Only PENDING orders have an expiry a partner can see."""
    return condition & Q(status=OrderStatus.PENDING)


class OrderFilters(OperatorFilterSet):
    id = OperatorFilter("id", ORDER_ID, EQUALITY, help_text="Order id.")
    reference = OperatorFilter(
        "reference", REFERENCE, EQUALITY, help_text="Tessera's order reference (T-...), case ignored."
    )
    status = OperatorFilter("status", choice(OrderStatus.values), EQUALITY, help_text="Order status.")
    createdAt = OperatorFilter("created_at", TIMESTAMP, COMPARISON, help_text="When the order was created.")
    updatedAt = OperatorFilter("updated_at", TIMESTAMP, COMPARISON, help_text="When the order last changed.")
    finalizedAt = OperatorFilter(
        "finalized_at", TIMESTAMP, COMPARISON, help_text="When the order was finalized."
    )
    expiresAt = OperatorFilter(
        "expires_at", TIMESTAMP, COMPARISON, help_text="When a PENDING order expires.", scope=while_pending
    )
    externalReference = OperatorFilter("external_reference", text(128), EQUALITY, help_text="Your reference.")
    currency = OperatorFilter("currency", CURRENCY, EQUALITY, help_text="ISO 4217 currency of the order.")
    totalAmount = OperatorFilter("total_amount", DECIMAL, ORDERED, help_text="Order total, e.g. lt:100.")
    paymentMethod = OperatorFilter(
        "payment_method", choice(BillingMode.values), EQUALITY, help_text="wallet, invoice, gateway."
    )
    contactEmail = OperatorFilter(
        "contact_email", text(254, lower=True), EQUALITY, help_text="Contact email (case ignored)."
    )
    clientName = OperatorFilter(
        "client_name", text(100), EQUALITY, help_text="X-Client-Name that created the order."
    )
    supplier = OperatorFilter(
        "supplier_id", SUPPLIER, EQUALITY, help_text="Supplier slug of a line.", scope=on_lines
    )
    product = OperatorFilter(
        "product_id", INTEGER, EQUALITY, help_text="Product id of a line.", scope=on_lines
    )
    startTime = OperatorFilter(
        "starts_at",
        TIMESTAMP,
        COMPARISON,
        help_text="Start time of a line (departure, event).",
        scope=on_lines,
    )
    fromPlace = OperatorFilter(
        "from_place", text(100), EQUALITY, help_text="Origin of a line.", scope=on_lines
    )
    toPlace = OperatorFilter(
        "to_place", text(100), EQUALITY, help_text="Destination of a line.", scope=on_lines
    )

    class Meta:
        model = Order
        fields = []


ORDERINGS = {
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "totalAmount": "total_amount",
    "expiresAt": "expires_at",
    "finalizedAt": "finalized_at",
}
NULLABLE_ORDERINGS = frozenset({"finalized_at"})
ORDERING_PARAMS = ("orderBy", "sortBy")


def ordering(params) -> list:
    """The ORDER BY of ``orderBy``/``sortBy`` (default: newest first), ties broken by id."""
    order_by = params.get("orderBy", "createdAt")
    sort_by = params.get("sortBy", "desc")
    errors = {}
    if order_by not in ORDERINGS:
        errors["orderBy"] = [f"Use one of {', '.join(ORDERINGS)}."]
    if sort_by not in {"asc", "desc"}:
        errors["sortBy"] = ["Use asc or desc."]
    if errors:
        raise InvalidFilter("Ordering is not valid.", errors=errors)
    # Orders without the value (never finalized) come last either way, on every database. Only
    # nullable fields say NULLS LAST when descending: elsewhere it would not match the index.
    field = ORDERINGS[order_by]
    if sort_by == "desc":
        return [F(field).desc(nulls_last=field in NULLABLE_ORDERINGS or None), F("id").desc()]
    return [F(field).asc(nulls_last=True), F("id").asc()]
