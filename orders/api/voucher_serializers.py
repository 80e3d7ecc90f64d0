"""Output shapes of vouchers: what every order shows, and what the vouchers endpoint reveals."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Voucher
from orders.services.reveal import LineVouchers


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


class LineVouchersOut(serializers.Serializer):
    lineId = serializers.IntegerField(source="line.pk")
    position = serializers.IntegerField(source="line.position")
    description = serializers.CharField(source="line.description")
    lineStatus = serializers.CharField(source="line.status")
    subStatus = serializers.CharField(source="line.sub_status", help_text="Delivery detail; see the guide.")
    deliveryType = serializers.CharField(source="line.product.delivery", help_text="realtime or delayed.")
    deliveryMode = serializers.CharField(source="line.product.delivery_mode", help_text="online or offline.")
    voucher = serializers.SerializerMethodField()

    @extend_schema_field(RevealedVoucherOut(allow_null=True))
    def get_voucher(self, item: LineVouchers) -> dict | None:
        if item.voucher is None:
            return None
        return RevealedVoucherOut(item.voucher, context={"secrets": item.secrets}).data
