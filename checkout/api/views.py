"""Hosted checkout for a partner's customer: open it for an order, get the page to send them to."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from checkout.api.serializers import CheckoutIn, CheckoutOut
from checkout.links import customer_url
from payments.services.checkout import checkout_open
from tessera.api.base import ORDER_ID, PartnerAPIView, write_errors
from tessera.api.idempotency import idempotent
from tessera.times import iso_utc


class OrderCheckout(PartnerAPIView):
    @extend_schema(
        operation_id="openCheckout",
        summary="Open hosted checkout: your customer pays on Tessera's page",
        description="Allowed when availableActions has checkout (a gateway partner's PENDING order "
        "whose lines are all RESERVED). Opening it again changes returnUrl. Tessera finalizes the "
        "order by itself once the provider confirms the payment.",
        parameters=[ORDER_ID],
        request=CheckoutIn,
        responses={201: CheckoutOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id):
        data = self.validated(CheckoutIn, request)
        checkout = checkout_open(
            order_id=order_id,
            partner_id=request.user.partner.pk,
            return_url=data["returnUrl"],
            actor=request.user.actor,
        )
        order = checkout.order
        body = {
            "url": customer_url("page", order.order_key),
            "orderKey": order.order_key,
            "expiresAt": iso_utc(order.expires_at),
        }
        return Response(body, status=status.HTTP_201_CREATED)
