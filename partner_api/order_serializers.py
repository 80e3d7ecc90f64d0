"""Input and output shapes of the orders API (camelCase, amounts as decimal strings)."""

import json

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from checkout.api.serializers import CustomerLinksOut
from checkout.links import customer_links, customer_url
from orders.api.voucher_serializers import (
    VoucherOut,
    delivery_mode_field,
    delivery_type_field,
    sub_status_field,
)
from orders.models import Order, OrderEvent, OrderLine, Traveller
from orders.selectors import open_draft_of
from orders.services.amendments import TRAVELLER_DETAILS, Exchange, LineToAdd, TravellerChange, draft_lines
from orders.services.inputs import ContactInput, LineInput, PaymentInput, TravellerInput
from orders.statuses import AmendmentStatus, BillingMode
from partner_api.actions import ACTIONS, available_actions
from payments.api.refund_serializers import RefundOut
from payments.models import Payment
from suppliers.services import MAX_QUANTITY
from tessera.api.base import InvalidBody
from tessera.api.fields import DecimalStringField, MoneyField, SignedDecimalStringField
from tessera.api.rendering import render, render_many
from tessera.event_types import EventType
from tessera.times import iso_utc

MAX_METADATA_BYTES = 4096
SUPPORTED_LANGUAGES_MESSAGE = (
    '"{input}" is not a supported language. Supported: '
    + ", ".join(code for code, _name in settings.LANGUAGES)
    + "."
)


# --- input ----------------------------------------------------------------------------------


# A name holds a character that is not whitespace, neither to ECMA-262 (the schema's \s) nor to
# Python (str.strip, which the field trims with, also strips \x1c-\x1f and \x85).
NAME_PATTERN = r"[^\s\u001c-\u001f\u0085]"


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 100, "pattern": NAME_PATTERN})
class NameField(serializers.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=100, **kwargs)


class TravellerIn(serializers.Serializer):
    id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Your traveller id."
    )
    givenName = NameField()
    familyName = NameField()
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


def amendment_input(data: dict) -> dict:
    """The service's keywords for an amendment body."""
    return {
        "add": [
            LineToAdd(
                offer_id=item["offerId"],
                traveller_ids=item.get("travellerIds", []),
                travellers=travellers_input(item.get("travellers", [])),
            )
            for item in data.get("add", [])
        ],
        "remove": data.get("remove", []),
        "exchange": [
            Exchange(line_id=item["lineId"], offer_id=item["offerId"]) for item in data.get("exchange", [])
        ],
        "travellers": [
            TravellerChange(
                traveller_id=item["travellerId"],
                details={name: item[api] for name, api in TRAVELLER_DETAILS.items() if api in item},
            )
            for item in data.get("travellers", [])
        ],
        "expires_at": data.get("expiresAt"),
    }


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


class AddIn(serializers.Serializer):
    offerId = serializers.UUIDField(help_text="An offer quoted for this partner, not used yet.")
    travellerIds = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=20,
        help_text="The order's travellers the offer's tickets are for, in order.",
    )
    travellers = TravellerIn(
        many=True,
        required=False,
        max_length=20,
        help_text="New travellers, for the tickets left after travellerIds.",
    )


class ExchangeIn(serializers.Serializer):
    lineId = serializers.IntegerField(help_text="An ISSUED line of the current version.")
    offerId = serializers.UUIDField(help_text="An offer for one ticket; the line's traveller keeps it.")


class TravellerChangeIn(serializers.Serializer):
    """New details for a traveller of the order; what is not given stays as it is (at least one)."""

    travellerId = serializers.IntegerField(help_text="A traveller of the current version.")
    givenName = NameField(required=False)
    familyName = NameField(required=False)
    bornOn = serializers.DateField(required=False, allow_null=True, help_text="null removes it.")
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)

    def validate(self, attrs):
        if len(attrs) < 2:
            raise InvalidBody("A traveller change needs at least one detail besides travellerId.")
        return attrs


class AmendmentIn(serializers.Serializer):
    add = AddIn(many=True, required=False, min_length=1, max_length=20)
    remove = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        min_length=1,
        max_length=20,
        help_text="Ids of ISSUED lines of the current version to give up.",
    )
    exchange = ExchangeIn(many=True, required=False, min_length=1, max_length=20)
    travellers = TravellerChangeIn(
        many=True,
        required=False,
        min_length=1,
        max_length=20,
        help_text="Travellers whose details to correct, where their tickets' products allow it "
        "(see products' changes.travellerChange).",
    )
    expiresAt = ZonedDateTimeField(
        required=False,
        help_text=(
            "Confirm by then or the draft is discarded; with a time zone, in the future, at most six "
            "months ahead. Default: 20 minutes from now."
        ),
    )

    def validate(self, attrs):
        if not any(attrs.get(name) for name in ("add", "remove", "exchange", "travellers")):
            raise InvalidBody(
                "The body changes nothing: give at least one of add, remove, exchange, travellers."
            )
        return attrs


class AmendmentUpdateIn(serializers.Serializer):
    expiresAt = ZonedDateTimeField(
        help_text="The draft's new expiresAt: with a time zone, in the future, at most six months ahead."
    )


class ConfirmAmendmentIn(serializers.Serializer):
    expectedBalance = SignedDecimalStringField(
        help_text='The balance you expect, e.g. "20.00" or "-100.00"; another balance is PRICE_CHANGED.'
    )


class ResetAmendmentIn(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Why, for the audit trail."
    )


class FailAmendmentIn(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=1,
        max_length=20,
        help_text="Ids of lines the draft adds that their supplier could not confirm.",
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
    replaces = serializers.IntegerField(
        source="replaces_id",
        allow_null=True,
        help_text="The id of the traveller whose details this one corrected (an amendment), if any.",
    )

    class Meta:
        model = Traveller
        fields = [
            "id",
            "externalId",
            "position",
            "givenName",
            "familyName",
            "bornOn",
            "email",
            "phone",
            "replaces",
        ]


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


class AmendmentPaymentOut(PaymentOut):
    """A payment of a gateway order's amendment: the order's payment's shape, and where to pay it."""

    checkoutUrl = serializers.SerializerMethodField(
        help_text="The order's checkout page: send the customer there to pay the balance."
    )

    class Meta(PaymentOut.Meta):
        fields = [*PaymentOut.Meta.fields, "checkoutUrl"]

    def get_checkoutUrl(self, payment: Payment) -> str:  # noqa: N802 - API name
        return customer_url("page", payment.order.order_key)


class ContactOut(serializers.Serializer):
    name = serializers.CharField(source="contact_name")
    email = serializers.CharField(source="contact_email")
    phone = serializers.CharField(source="contact_phone")
    language = serializers.CharField(help_text="The customer's language (e-mails are written in it).")


class VersionOut(serializers.Serializer):
    version = serializers.IntegerField(source="number")
    status = serializers.ChoiceField(choices=AmendmentStatus.choices)
    total = MoneyField(amount="total_amount", help_text="The order's total in this version.")
    balance = MoneyField(
        amount="balance",
        help_text="What this version moved: version 1 its payment; an amendment the new total minus "
        "what was paid (positive: paid by the partner; negative: given back).",
    )
    fees = MoneyField(amount="fee_amount", help_text="Change and cancellation fees, in the balance.")
    createdAt = serializers.DateTimeField(source="created_at")
    confirmedAt = serializers.DateTimeField(source="confirmed_at", allow_null=True)
    expiresAt = serializers.DateTimeField(
        source="expires_at", allow_null=True, help_text="A draft's: unconfirmed by then, it is discarded."
    )


class AmendmentOut(serializers.Serializer):
    """The order's open draft version: what it adds, what it removes, what confirming it moves."""

    version = serializers.IntegerField(source="number")
    status = serializers.ChoiceField(choices=AmendmentStatus.choices)
    balance = MoneyField(
        amount="balance",
        help_text="New total minus what was paid: confirm with it as expectedBalance. Positive: "
        "debited; negative: given back.",
    )
    total = MoneyField(amount="total_amount", help_text="The order's total once confirmed.")
    fees = MoneyField(
        amount="fee_amount",
        help_text="Change and cancellation fees of the lines it gives up (see products' changes).",
    )
    expiresAt = serializers.DateTimeField(source="expires_at")
    createdAt = serializers.DateTimeField(source="created_at")
    lines = serializers.SerializerMethodField(help_text="The lines it adds (exchanges included).")
    removedLines = serializers.SerializerMethodField(
        help_text="Ids of the lines it removes or exchanges away."
    )
    travellers = serializers.SerializerMethodField(
        help_text="The travellers it adds, and those whose details it changes (each a new traveller "
        "whose replaces names the one it corrects; the lines move to it on confirmation)."
    )
    payment = serializers.SerializerMethodField(
        help_text="A gateway order's positive balance: the hosted-checkout payment confirm asked for "
        "(the latest), null until then. The draft is confirmed when it is PAID."
    )

    @extend_schema_field(LineOut(many=True))
    def get_lines(self, version) -> list:
        new, _removed = draft_lines(list(version.order.lines.all()), version.number)
        return render_many(LineOut, new)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_removedLines(self, version) -> list[int]:  # noqa: N802 - API name
        _new, removed = draft_lines(list(version.order.lines.all()), version.number)
        return [line.pk for line in removed]

    @extend_schema_field(TravellerOut(many=True))
    def get_travellers(self, version) -> list:
        added = [
            traveller
            for traveller in version.order.travellers.all()
            if traveller.added_in_version == version.number and traveller.removed_in_version is None
        ]
        return render_many(TravellerOut, added)

    @extend_schema_field(AmendmentPaymentOut(allow_null=True))
    def get_payment(self, version) -> dict | None:
        paying = [payment for payment in version.order.payments.all() if payment.amendment_id == version.pk]
        latest = max(paying, key=lambda payment: payment.created_at, default=None)
        return None if latest is None else render(AmendmentPaymentOut, latest)


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
    version = serializers.IntegerField(
        help_text="The confirmed version shown (the current one unless ?version= asked for another)."
    )
    lines = LineOut(many=True, source="current_lines", help_text="The lines of the version shown.")
    travellers = TravellerOut(many=True, source="current_travellers")
    amendment = serializers.SerializerMethodField(help_text="The open draft version, if any.")
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
            "amendment",
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

    @extend_schema_field(AmendmentOut(allow_null=True))
    def get_amendment(self, order: Order) -> dict | None:
        draft = open_draft_of(order)
        return None if draft is None else render(AmendmentOut, draft)

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
