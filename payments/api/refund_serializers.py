"""Input and output shapes of refunds in the partner API (camelCase, amounts as decimal strings)."""

from rest_framework import serializers

from payments.models import Refund, RefundLine
from payments.refund_rules import REQUESTABLE_REASONS
from tessera.api.fields import DecimalStringField, MoneyField

MAX_LINES = 100


class RefundCreateIn(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=32767),
        required=False,
        min_length=1,
        max_length=MAX_LINES,
        help_text="Positions of the lines to refund. Leave out (and amount too) to refund every line "
        "that can be. Not with amount.",
    )
    amount = DecimalStringField(
        required=False,
        help_text='Instead of lines: an amount in the order\'s currency, e.g. "15.50", that goes back '
        "at once while the customer keeps every line (goodwill, a price difference). At most what "
        "was paid minus what is refunded or being refunded. Not with lines.",
    )
    reason = serializers.ChoiceField(choices=[(reason.value, reason.label) for reason in REQUESTABLE_REASONS])
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def validate(self, attrs):
        if "lines" in attrs and "amount" in attrs:
            raise serializers.ValidationError({"amount": ["Refund either lines or an amount, not both."]})
        return attrs


class RefundLineOut(serializers.ModelSerializer):
    position = serializers.IntegerField(source="line.position", help_text="The order line's position.")
    amount = MoneyField(currency="refund.currency", help_text="What goes back for this line.")
    supplierFee = MoneyField(
        amount="supplier_fee", currency="refund.currency", help_text="Kept by the supplier."
    )

    class Meta:
        model = RefundLine
        fields = ["position", "amount", "supplierFee"]


class RefundOut(serializers.ModelSerializer):
    orderId = serializers.UUIDField(source="order_id")
    amount = MoneyField(help_text="What goes back: the lines' amounts minus the supplier's fees.")
    supplierFee = MoneyField(amount="supplier_fee", help_text="Kept by the supplier; not returned.")
    lines = RefundLineOut(source="refund_lines", many=True)
    failureReason = serializers.CharField(
        source="failure_reason", help_text="Why it FAILED, or why some lines were left out."
    )
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Refund
        fields = [
            "id",
            "orderId",
            "status",
            "reason",
            "note",
            "amount",
            "supplierFee",
            "lines",
            "failureReason",
            "createdAt",
            "updatedAt",
        ]
