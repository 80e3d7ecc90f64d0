"""The filters and orderings of ``GET /api/v1/orders``. Each is backed by an index (orders/models.py)."""

import uuid

from django.db.models import Exists, F, OuterRef, Q

from orders.models import OrderLine
from orders.statuses import BillingMode, OrderStatus
from suppliers.models import Supplier
from tessera.api.filtering import (
    EQUALITY,
    ORDERED,
    Filter,
    parse_choice,
    parse_decimal,
    parse_int,
    parse_lower_text,
    parse_text,
    parse_timestamp,
)
from tessera.errors import InvalidFilter

TIME_OPERATORS = ORDERED - {"in", "nin"}


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an order id.") from exc


NO_SUPPLIER = 0


def parse_supplier(value: str) -> int:
    """A supplier slug, looked up once, so line conditions use supplier_id and its statistics.
    An unknown slug matches nothing, as any other unknown value does."""
    slug = parse_text(64)(value)
    return Supplier.objects.filter(slug=slug).values_list("pk", flat=True).first() or NO_SUPPLIER


def parse_currency(value: str) -> str:
    if len(value) != 3 or not value.isalpha():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code.")
    return value.upper()


def on_lines(condition: Q) -> Q:
    """An order matches when one of its lines meets the whole condition."""
    return Exists(OrderLine.objects.filter(condition, order=OuterRef("pk")))


def while_pending(condition: Q) -> Q:
    """Only PENDING orders have an expiry a partner can see."""
    return condition & Q(status=OrderStatus.PENDING)


ORDER_FILTERS: dict[str, Filter] = {
    "id": Filter("id", parse_uuid, EQUALITY, "Order id."),
    "status": Filter("status", parse_choice(OrderStatus.values), EQUALITY, "Order status."),
    "createdAt": Filter("created_at", parse_timestamp, TIME_OPERATORS, "When the order was created."),
    "updatedAt": Filter("updated_at", parse_timestamp, TIME_OPERATORS, "When the order last changed."),
    "finalizedAt": Filter("finalized_at", parse_timestamp, TIME_OPERATORS, "When the order was finalized."),
    "expiresAt": Filter(
        "expires_at", parse_timestamp, TIME_OPERATORS, "When a PENDING order expires.", while_pending
    ),
    "externalReference": Filter("external_reference", parse_text(128), EQUALITY, "Your reference."),
    "currency": Filter("currency", parse_currency, EQUALITY, "ISO 4217 currency of the order."),
    "totalAmount": Filter("total_amount", parse_decimal, ORDERED, "Order total, e.g. lt:100."),
    "paymentMethod": Filter(
        "payment_method", parse_choice(BillingMode.values), EQUALITY, "wallet, invoice, gateway."
    ),
    "contactEmail": Filter("contact_email", parse_lower_text(), EQUALITY, "Contact email (case ignored)."),
    "clientName": Filter("client_name", parse_text(100), EQUALITY, "X-Client-Name that created the order."),
    "supplier": Filter(
        "supplier_id",
        parse_supplier,
        EQUALITY,
        "Supplier slug of a line.",
        on_lines,
    ),
    "product": Filter("product_id", parse_int, EQUALITY, "Product id of a line.", on_lines),
    "startTime": Filter(
        "starts_at",
        parse_timestamp,
        TIME_OPERATORS,
        "Start time of a line (departure, event).",
        on_lines,
    ),
    "fromPlace": Filter("from_place", parse_text(100), EQUALITY, "Origin of a line.", on_lines),
    "toPlace": Filter("to_place", parse_text(100), EQUALITY, "Destination of a line.", on_lines),
}

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
