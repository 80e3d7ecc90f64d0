"""Refunds in the partner API: ask for one, list an order's, read one. Thin: the service decides."""

import hashlib

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from orders.errors import OrderNotFound
from payments import refund_selectors as selectors
from payments.api.filters import RefundFilters
from payments.api.refund_serializers import RefundCreateIn, RefundOut
from payments.errors import RefundNotFound
from payments.services.refunds import refund_request, refund_request_amount
from tessera.api.base import ORDER_ID, PartnerAPIView, paged, read_errors, write_errors
from tessera.api.filtering import valid_filters
from tessera.api.idempotency import idempotent
from tessera.api.pagination import PAGE_PARAMS, page_parameters, page_request, paginate
from tessera.api.rendering import render, render_many
from tessera.errors import InvalidInput

REFUND_ID = OpenApiParameter("refund_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Refund id.")


def partner_refund_key(partner_id: int, idempotency_key: str) -> str:
    """The refund's own idempotency key: the partner's Idempotency-Key, scoped to the partner."""
    return f"partner:{partner_id}:{hashlib.sha256(idempotency_key.encode()).hexdigest()}"


def _line_ids(*, partner_id: int, order_id, positions: list[int] | None) -> list[int] | None:
    if positions is None:
        return None
    found = selectors.line_ids_by_position(partner_id=partner_id, order_id=order_id, positions=positions)
    if found is None:
        raise OrderNotFound("No such order.")
    missing = sorted(set(positions) - set(found))
    if missing:
        raise InvalidInput(
            "Some lines are not lines of this order.",
            errors={"lines": [f"The order has no line at position {position}." for position in missing]},
        )
    return [found[position] for position in positions]


class OrderRefunds(PartnerAPIView):
    filterset_class = RefundFilters

    @extend_schema(
        operation_id="listOrderRefunds",
        summary="The order's refunds, oldest first",
        parameters=[ORDER_ID, *page_parameters()],
        responses={200: paged(RefundOut, "RefundPage"), **read_errors()},
    )
    def get(self, request, order_id):
        filters = valid_filters(request.query_params, self.filterset_class, reserved=PAGE_PARAMS)
        refunds = selectors.refunds_of_order(partner_id=request.user.partner.pk, order_id=order_id)
        if refunds is None:
            raise OrderNotFound("No such order.")
        refunds = filters.filter_queryset(refunds)
        items, meta = paginate(refunds, page_request(request.query_params))
        return Response({"items": render_many(RefundOut, items), **meta})

    @extend_schema(
        operation_id="requestRefund",
        summary="Refund some lines of the order, all it has left, or an amount",
        description=(
            "Allowed when availableActions has refund. With lines (or neither lines nor amount), "
            "answers 202 with the refund REQUESTED: the supplier is asked, then the money goes back "
            "the way it came; poll the refund (Location). With amount, the customer keeps every line "
            "and the money goes back at once, without the supplier (the refund is SUCCEEDED for wallet "
            "and invoice orders, PROCESSING until the provider confirms for gateway orders); an amount "
            "over what was paid minus what is refunded or being refunded is REFUND_EXCEEDS_PAYMENT, "
            "checked under the order's lock."
        ),
        parameters=[ORDER_ID],
        request=RefundCreateIn,
        responses={202: RefundOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id):
        data = self.validated(RefundCreateIn, request)
        partner_id = request.user.partner.pk
        asked = {
            "order_id": order_id,
            "reason": data["reason"],
            "note": data.get("note", ""),
            "actor": request.user.actor,
            "idempotency_key": partner_refund_key(partner_id, request.idempotency_key),
            "partner_id": partner_id,
        }
        if "amount" in data:
            refund = refund_request_amount(amount=data["amount"], **asked)
        else:
            line_ids = _line_ids(partner_id=partner_id, order_id=order_id, positions=data.get("lines"))
            refund = refund_request(line_ids=line_ids, **asked)
        refund = selectors.refund_for_partner(partner_id=partner_id, refund_id=refund.pk)
        return Response(
            render(RefundOut, refund),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("api:refund", args=[refund.pk])},
        )


class RefundItem(PartnerAPIView):
    @extend_schema(
        operation_id="getRefund",
        summary="Get a refund",
        parameters=[REFUND_ID],
        responses={200: RefundOut, **read_errors()},
    )
    def get(self, request, refund_id):
        refund = selectors.refund_for_partner(partner_id=request.user.partner.pk, refund_id=refund_id)
        if refund is None:
            raise RefundNotFound("No such refund.")
        return Response(render(RefundOut, refund))
