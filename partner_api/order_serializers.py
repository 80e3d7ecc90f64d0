"""Input and output shapes of the orders API (camelCase, amounts as decimal strings)."""

import json

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from checkout.api.serializers import CustomerLinksOut
from checkout.links import customer_links
from orders.api.voucher_serializers import (
    VoucherOut,
    delivery_mode_field,
    delivery_type_field,
    sub_status_field,
)
from orders.models import Order, OrderEvent, OrderLine, Traveller
from orders.services.inputs import ContactInput, LineInput, PaymentInput, TravellerInput
from orders.statuses import BillingMode
from partner_api.actions import ACTIONS, available_actions
from payments.api.refund_serializers import RefundOut
from payments.models import Payment
from suppliers.services import MAX_QUANTITY
from tessera.api.base import InvalidBody
from tessera.api.fields import DecimalStringField, MoneyField
from tessera.event_types import EventType
from tessera.times import iso_utc

MAX_METADATA_BYTES = 4096
SUPPORTED_LANGUAGES_MESSAGE = (
    '"{input}" is not a supported language. Supported: '
    + ", ".join(code for code, _name in settings.LANGUAGES)
    + "."
)


# --- input ----------------------------------------------------------------------------------


class TravellerIn(serializers.Serializer):
    id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Your traveller id."
    )
    givenName = serializers.CharField(max_length=100)
    familyName = serializers.CharField(max_length=100)
    bornOn = serializers.DateField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)


def travellers_input(items: list[dict]) -> list[TravellerInput]:
    return [
        TravellerInput(
            given_name=t["givenName"],
            family_name=t["familyName"],
            born_on=t.get("bornOn"),
            email=t.get("email", ""),
            phone=t.get("phone", ""),
            external_id=t.get("id", ""),
        )
        for t in items
    ]


class ContactIn(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=(
            "The customer's language, for the e-mails Tessera sends them. Omitted: "
            f"{settings.LANGUAGE_CODE} on create, unchanged on PATCH."
        ),
        error_messages={"invalid_choice": SUPPORTED_LANGUAGES_MESSAGE},
    )

    @staticmethod
    def to_input(data: dict) -> ContactInput:
        return ContactInput(
            name=data.get("name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            language=data.get("language", ""),
        )


def validate_metadata(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError("metadata must be an object.")
    if len(json.dumps(value, default=str)) > MAX_METADATA_BYTES:
        raise serializers.ValidationError(f"metadata must be at most {MAX_METADATA_BYTES} bytes.")
    return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": f"Any JSON object of yours, at most {MAX_METADATA_BYTES} bytes as JSON.",
    }
)
class MetadataField(serializers.JSONField):
    def __init__(self, **kwargs):
        super().__init__(required=False, validators=[validate_metadata], **kwargs)


class LineIn(serializers.Serializer):
    productId = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    denomination = DecimalStringField(required=False, help_text='For vouchers: a face value, e.g. "50.00".')


class MoneyIn(serializers.Serializer):
    amount = DecimalStringField(help_text='Decimal string, e.g. "260.32".')
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code, e.g. EUR.")


class PaymentIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=["wallet", "invoice"], help_text="How you pay.")
    expectedTotal = MoneyIn(
        help_text="The total you agree to pay; a different total is PRICE_CHANGED and creates nothing."
    )


class OrderCreateIn(serializers.Serializer):
    offers = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        min_length=1,
        max_length=20,
        help_text="Ids of offers to order. Give offers or lines, not both.",
    )
    lines = LineIn(
        many=True,
        required=False,
        min_length=1,
        max_length=20,
        help_text="Products to order, priced now (each kept as an offer). Give offers or lines, not both.",
    )
    payment = PaymentIn(
        required=False,
        help_text=(
            "Makes an instant order: paid as soon as every line is reserved, then issued, with no "
            "finalize call. wallet holds the total on your wallet now (402 if it is not available)."
        ),
    )
    travellers = TravellerIn(many=True, required=False, max_length=20)
    contact = ContactIn(required=False)
    externalReference = serializers.CharField(required=False, allow_blank=True, max_length=128)
    metadata = MetadataField()

    def validate(self, attrs):
        if "offers" not in attrs and "lines" not in attrs:
            raise serializers.ValidationError(
                {"offers": ["Give offers (ids of quoted offers) or lines (products to order)."]}
            )
        if "offers" in attrs and "lines" in attrs:
            raise serializers.ValidationError({"lines": ["Give offers or lines, not both."]})
        return attrs

    @staticmethod
    def lines_input(data: dict) -> list[LineInput]:
        return [
            LineInput(
                product_id=line["productId"],
                quantity=line["quantity"],
                denomination=line.get("denomination"),
            )
            for line in data.get("lines", [])
        ]

    @staticmethod
    def payment_input(data: dict) -> PaymentInput | None:
        if "payment" not in data:
            return None
        payment = data["payment"]
        return PaymentInput(
            method=payment["method"],
            expected_amount=payment["expectedTotal"]["amount"],
            expected_currency=payment["expectedTotal"]["currency"],
        )


class ZonedDateTimeField(serializers.DateTimeField):
    """Hands a time without a zone (or a bare date) on as it is, for the service to refuse
    (INVALID_EXPIRY), instead of reading it as UTC."""

    def enforce_timezone(self, value):
        return value if timezone.is_naive(value) else super().enforce_timezone(value)


class OrderUpdateIn(serializers.Serializer):
    contact = ContactIn(required=False)
    externalReference = serializers.CharField(required=False, allow_blank=True, max_length=128)
    metadata = MetadataField()
    expiresAt = ZonedDateTimeField(required=False, help_text="With a time zone, e.g. 2026-01-01T12:00:00Z.")

    def validate(self, attrs):
        if not attrs:
            raise InvalidBody(
                "The body changes nothing: give at least one of contact, externalReference, "
                "metadata, expiresAt."
            )
        return attrs


class TravellersIn(serializers.Serializer):
    travellers = TravellerIn(many=True, max_length=20)


class FinalizeIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=["wallet", "invoice"], help_text="How you pay.")
    expectedTotal = DecimalStringField(
        required=False, help_text='The total you expect, e.g. "140.00"; a different total is PRICE_CHANGED.'
    )


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


# --- output ---------------------------------------------------------------------------------


class TravellerOut(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk")
    externalId = serializers.CharField(source="external_id")
    givenName = serializers.CharField(source="given_name")
    familyName = serializers.CharField(source="family_name")
    bornOn = serializers.DateField(source="born_on", allow_null=True)

    class Meta:
        model = Traveller
        fields = ["id", "externalId", "position", "givenName", "familyName", "bornOn", "email", "phone"]


class LineOut(serializers.ModelSerializer):
    price = MoneyField()
    product = serializers.SerializerMethodField()
    supplier = serializers.CharField(source="supplier.slug")
    offerId = serializers.UUIDField(source="offer_id")
    travellerId = serializers.IntegerField(source="traveller_id", allow_null=True)
    startsAt = serializers.DateTimeField(source="starts_at", allow_null=True)
    fromPlace = serializers.CharField(source="from_place")
    toPlace = serializers.CharField(source="to_place")
    supplierReference = serializers.CharField(source="supplier_booking_ref")
    failureReason = serializers.CharField(source="failure_reason")
    subStatus = sub_status_field("sub_status")
    deliveryType = delivery_type_field("product.delivery")
    deliveryMode = delivery_mode_field("product.delivery_mode")
    # A nested serializer, built once per list rather than once per line; a line with no voucher
    # yet (the one-to-one row does not exist) is null.
    voucher = VoucherOut(
        allow_null=True, read_only=True, help_text="Without secrets: GET .../vouchers has them."
    )

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "position",
            "status",
            "description",
            "price",
            "product",
            "supplier",
            "offerId",
            "travellerId",
            "startsAt",
            "fromPlace",
            "toPlace",
            "supplierReference",
            "failureReason",
            "subStatus",
            "deliveryType",
            "deliveryMode",
            "voucher",
        ]

    def get_product(self, line: OrderLine) -> dict:
        return {"id": line.product_id, "name": line.product.name, "kind": line.product.kind}


class PaymentOut(serializers.ModelSerializer):
    amount = MoneyField()
    paidAt = serializers.DateTimeField(source="paid_at", allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "method", "status", "amount", "paidAt"]


class ContactOut(serializers.Serializer):
    name = serializers.CharField(source="contact_name")
    email = serializers.CharField(source="contact_email")
    phone = serializers.CharField(source="contact_phone")
    language = serializers.CharField(help_text="The customer's language (e-mails are written in it).")


class OrderOut(serializers.ModelSerializer):
    total = MoneyField(amount="total_amount")
    contact = ContactOut(source="*")
    externalReference = serializers.CharField(source="external_reference")
    clientName = serializers.CharField(source="client_name")
    paymentMethod = serializers.ChoiceField(
        choices=[("", "not chosen yet"), *BillingMode.choices],
        source="payment_method",
        help_text="How the order was paid; empty while PENDING.",
    )
    expiresAt = serializers.SerializerMethodField()
    finalizedAt = serializers.DateTimeField(source="finalized_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    lines = LineOut(many=True)
    travellers = TravellerOut(many=True)
    payments = PaymentOut(many=True)
    refunds = RefundOut(many=True)
    offers = serializers.SerializerMethodField(help_text="The offer snapshots the order was made from.")
    availableActions = serializers.SerializerMethodField()
    customerLinks = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "status",
            "version",
            "total",
            "paymentMethod",
            "contact",
            "externalReference",
            "clientName",
            "metadata",
            "expiresAt",
            "finalizedAt",
            "createdAt",
            "updatedAt",
            "availableActions",
            "customerLinks",
            "lines",
            "travellers",
            "payments",
            "refunds",
            "offers",
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True, help_text="Set while PENDING."))
    def get_expiresAt(self, order: Order) -> str | None:  # noqa: N802 - API name
        return iso_utc(order.expires_at) if order.status == "PENDING" else None

    def get_offers(self, order: Order) -> list[dict]:
        seen = {}
        for line in order.lines.all():
            seen.setdefault(line.offer_id, {"id": str(line.offer_id), **line.offer.snapshot})
        return list(seen.values())

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_availableActions(self, order: Order) -> list[str]:  # noqa: N802 - API name
        return available_actions(order, list(order.lines.all()))

    @extend_schema_field(CustomerLinksOut)
    def get_customerLinks(self, order: Order) -> dict:  # noqa: N802 - API name
        return customer_links(order)


class EventOut(serializers.ModelSerializer):
    subjectType = serializers.CharField(source="subject_type")
    transition = serializers.ChoiceField(
        choices=EventType.choices, help_text="The event's type (docs/api.md, Event types)."
    )
    subjectId = serializers.CharField(source="subject_id")
    fromStatus = serializers.CharField(source="from_status")
    toStatus = serializers.CharField(source="to_status")
    actor = serializers.SerializerMethodField()
    correlationId = serializers.CharField(source="correlation_id")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = OrderEvent
        fields = [
            "id",
            "at",
            "subjectType",
            "subjectId",
            "transition",
            "fromStatus",
            "toStatus",
            "actor",
            "correlationId",
            "payload",
        ]

    def get_actor(self, event: OrderEvent) -> dict:
        return {
            "kind": event.actor_kind,
            "label": event.actor_label if event.actor_kind != "staff" else "Tessera staff",
        }
