"""Output shapes of vouchers: what every order shows, and what the vouchers endpoint reveals."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Voucher
from orders.services.reveal import LineVouchers
from orders.statuses import LineStatus, LineSubStatus
from suppliers.models import Delivery, DeliveryMode


class VoucherOut(serializers.ModelSerializer):
    """A delivered voucher without its secrets (order details, lists)."""

    deliveryMode = serializers.CharField(source="delivery_mode", help_text="online or offline.")
    collectionReference = serializers.CharField(source="collection_reference")
    validFrom = serializers.DateTimeField(source="valid_from", allow_null=True)
    validUntil = serializers.DateTimeField(source="valid_until", allow_null=True)
    deliveredAt = serializers.DateTimeField(source="delivered_at")
    revokedAt = serializers.DateTimeField(source="revoked_at", allow_null=True)
    revokedReason = serializers.CharField(source="revoked_reason")

    class Meta:
        model = Voucher
        fields = [
            "id",
            "kind",
            "status",
            "deliveryMode",
            "collectionReference",
            "validFrom",
            "validUntil",
            "deliveredAt",
            "revokedAt",
            "revokedReason",
        ]


class RevealedVoucherOut(VoucherOut):
    """A voucher with its secrets: null when the line is not delivered, the voucher is revoked,
    or the supplier gave no such value."""

    # The context's ``secrets`` are what orders.services.reveal opened for this voucher (None
    # when it opened nothing).

    code = serializers.SerializerMethodField()
    pin = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta(VoucherOut.Meta):
        fields = [*VoucherOut.Meta.fields, "code", "pin", "url"]

    def _secret(self, name: str) -> str | None:
        return (self.context["secrets"] or {}).get(name)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The voucher or ticket code."))
    def get_code(self, voucher: Voucher) -> str | None:
        return self._secret("code")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pin(self, voucher: Voucher) -> str | None:
        return self._secret("pin")

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Redemption link."))
    def get_url(self, voucher: Voucher) -> str | None:
        return self._secret("url")


def sub_status_field(source: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=LineSubStatus.choices, source=source, help_text="Delivery detail; see the guide."
    )


def delivery_type_field(source: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Delivery.choices, source=source, help_text="realtime, or delayed: released later."
    )


def delivery_mode_field(source: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=DeliveryMode.choices, source=source, help_text="online (a code or link) or offline."
    )


class LineVouchersOut(serializers.Serializer):
    lineId = serializers.IntegerField(source="line.pk")
    position = serializers.IntegerField(source="line.position")
    description = serializers.CharField(source="line.description")
    lineStatus = serializers.ChoiceField(choices=LineStatus.choices, source="line.status")
    subStatus = sub_status_field("line.sub_status")
    deliveryType = delivery_type_field("line.product.delivery")
    deliveryMode = delivery_mode_field("line.product.delivery_mode")
    voucher = serializers.SerializerMethodField()

    @extend_schema_field(RevealedVoucherOut(allow_null=True))
    def get_voucher(self, item: LineVouchers) -> dict | None:
        if item.voucher is None:
            return None
        return RevealedVoucherOut(item.voucher, context={"secrets": item.secrets}).data
