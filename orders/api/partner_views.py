"""The partner's own settings: ``GET``/``PATCH /api/v1/partner``."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from orders.services.partner_settings import partner_settings_update
from tessera.api.base import InvalidBody, PartnerAPIView, read_errors, write_errors
from tessera.api.idempotency import idempotent


class PartnerSettingsOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    customerEmails = serializers.BooleanField(
        source="customer_emails",
        help_text="Tessera e-mails each order's customer (confirmed, tickets ready, refunded, payment "
        "failed). Orders paid through hosted checkout are e-mailed whatever this says.",
    )


class PartnerSettingsIn(serializers.Serializer):
    customerEmails = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise InvalidBody("The body changes nothing: give customerEmails.")
        return attrs


class PartnerSettings(PartnerAPIView):
    @extend_schema(
        operation_id="getPartnerSettings",
        summary="Your settings",
        responses={200: PartnerSettingsOut, **read_errors()},
    )
    def get(self, request):
        return Response(PartnerSettingsOut(request.user.partner).data)

    @extend_schema(
        operation_id="updatePartnerSettings",
        summary="Change your settings",
        request=PartnerSettingsIn,
        responses={200: PartnerSettingsOut, **write_errors()},
    )
    @idempotent
    def patch(self, request):
        data = self.validated(PartnerSettingsIn, request)
        partner = partner_settings_update(
            partner_id=request.user.partner.pk, customer_emails=data.get("customerEmails")
        )
        return Response(PartnerSettingsOut(partner).data)
