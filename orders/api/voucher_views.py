"""The vouchers of an order, secrets included, for the partner that owns it (audited)."""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.response import Response

from orders.api.voucher_serializers import LineVouchersOut
from orders.services.reveal import order_vouchers_for_partner
from tessera.api.base import ORDER_ID, PartnerAPIView, read_errors
from tessera.api.rendering import render_many


class OrderVouchers(PartnerAPIView):
    @extend_schema(
        operation_id="listOrderVouchers",
        summary="The order's vouchers and tickets, with their codes once delivered",
        description=(
            "One item per line. Codes, PINs and links are given only for delivered (ISSUED) lines "
            "whose voucher is ACTIVE; each voucher shown is recorded in the order's audit trail. "
            "Lines still on their way are listed with their subStatus and no voucher."
        ),
        parameters=[ORDER_ID],
        responses={
            200: inline_serializer("OrderVouchers", fields={"items": LineVouchersOut(many=True)}),
            **read_errors(),
        },
    )
    def get(self, request, order_id):
        items = order_vouchers_for_partner(
            partner_id=request.user.partner.pk, order_id=order_id, actor=request.user.actor
        )
        response = Response({"items": render_many(LineVouchersOut, items)})
        add_never_cache_headers(response)  # secrets: no cache may keep them
        return response
