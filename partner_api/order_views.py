"""The orders API: one view per operation, each calling one service or selector."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from orders import selectors
from orders.api.filters import ORDERING_PARAMS, ORDERINGS, OrderFilters, ordering
from orders.errors import OrderNotFound, VersionNotFound
from orders.services import amendments, cancellation, creation, editing
from orders.statuses import AmendmentStatus
from partner_api import selectors as order_selectors
from partner_api.order_serializers import (
    AmendmentIn,
    AmendmentUpdateIn,
    CancelIn,
    ConfirmAmendmentIn,
    ContactIn,
    EventOut,
    FailAmendmentIn,
    FinalizeIn,
    OrderCreateIn,
    OrderOut,
    OrderUpdateIn,
    ResetAmendmentIn,
    TravellersIn,
    VersionOut,
    amendment_input,
    travellers_input,
)
from payments.services import amendment_confirmation, finalization
from tessera.api.base import ORDER_ID, PartnerAPIView, paged, read_errors, write_errors
from tessera.api.filtering import apply_filters, check_params
from tessera.api.idempotency import idempotent
from tessera.api.pagination import (
    CURSOR_PARAMS,
    PAGE_PARAMS,
    PAGING_DESCRIPTION,
    cursor_page,
    page_parameters,
    page_request,
    paginate,
    sync_paging_schema,
)
from tessera.api.rendering import render, render_many
from tessera.api.throttling import client_name
from tessera.errors import InvalidFilter, InvalidInput

VERSION = OpenApiParameter(
    "version",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.QUERY,
    required=False,
    description="A confirmed version to read as it was (1 up to the order's version); default: the current.",
)
NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The draft's version."
)


def _order_response(request, order_id) -> Response:
    order = order_selectors.order_for_partner(partner_id=request.user.partner.pk, order_id=order_id)
    return Response(render(OrderOut, order))


# What sync mode refuses, and why; perPage or limit set its page size.
SYNC_REFUSES = {
    "orderBy": "Sync mode always walks by updatedAt, then id; drop orderBy.",
    "sortBy": "Sync mode always walks oldest change first; drop sortBy.",
    "page": "Sync mode goes on with nextCursor as cursor; drop page.",
}

LIST_PARAMETERS = [
    *page_parameters(
        schema=sync_paging_schema(
            ordering={
                "orderBy": {
                    "type": "string",
                    "enum": list(ORDERINGS),
                    "description": "Sort field (default createdAt).",
                },
                "sortBy": {
                    "type": "string",
                    "enum": ["asc", "desc"],
                    "description": "Sort direction (default desc).",
                },
            }
        ),
        description=(
            f"{PAGING_DESCRIPTION} With pages, orderBy and sortBy sort them. Sync mode instead: "
            "updatedSince (a time with a zone) starts a walk by updatedAt, then id; each page's "
            "nextCursor goes on as cursor, with the same filters and perPage (or limit); page, "
            "orderBy and sortBy are refused in sync mode."
        ),
    ),
]


class OrderCollection(PartnerAPIView):
    filterset_class = OrderFilters

    @extend_schema(
        operation_id="listOrders",
        summary="List and filter your orders",
        description=(
            "A filter's value may start with an operator, `name=op:value` (eq, ne, gt, gte, lt, lte, "
            "in, nin; eq without one; any other lowercase word before a colon is refused as an unknown "
            "operator); `in` and `nin` take up to 100 comma-separated values. Filters "
            "combine with AND, and a filter given twice must hold both times "
            "(`createdAt=gte:...&createdAt=lt:...` is a range). Times are ISO 8601 with a zone. "
            "Pages (page, perPage or limit) carry totals; sync mode (updatedSince, then cursor) "
            "walks by updatedAt without counting."
        ),
        parameters=LIST_PARAMETERS,
        responses={200: paged(OrderOut, "OrderPage", cursor=True), **read_errors()},
    )
    def get(self, request):
        params = request.query_params
        reserved = (*ORDERING_PARAMS, *PAGE_PARAMS, *CURSOR_PARAMS)
        queryset = apply_filters(
            selectors.orders_of(request.user.partner.pk), params, self.filterset_class, reserved=reserved
        )
        if "cursor" in params or "updatedSince" in params:
            not_in_sync = {name: message for name, message in SYNC_REFUSES.items() if name in params}
            if not_in_sync:
                raise InvalidFilter(
                    "Sync mode (cursor or updatedSince) walks orders by updatedAt, page after page.",
                    errors={name: [message] for name, message in not_in_sync.items()},
                )
            per_page = page_request(params).per_page
            items, meta = cursor_page(order_selectors.with_details(queryset), params, per_page=per_page)
        else:
            queryset = queryset.order_by(*ordering(params))
            items, meta = paginate(order_selectors.with_details(queryset), page_request(params))
        return Response({"items": render_many(OrderOut, items), **meta})

    @extend_schema(
        operation_id="createOrder",
        summary="Create an order from offers or products, optionally paid at once (instant)",
        description=(
            "Answers 202 with the order PENDING and its lines RESERVING. Give offers (ids from POST "
            "/offers) or lines (products, priced now). Without payment, poll the order (Location) "
            "and finalize it once every line is RESERVED. With payment it is an instant order: "
            "wallet holds the total at once (402 INSUFFICIENT_BALANCE creates nothing), and the "
            "order is paid and issued as soon as every line is reserved, with no further call."
        ),
        request=OrderCreateIn,
        responses={202: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request):
        data = self.validated(OrderCreateIn, request)
        order = creation.order_create(
            partner=request.user.partner,
            offer_ids=data.get("offers", ()),
            lines=OrderCreateIn.lines_input(data),
            payment=OrderCreateIn.payment_input(data),
            travellers=travellers_input(data.get("travellers", [])),
            contact=ContactIn.to_input(data.get("contact", {})),
            external_reference=data.get("externalReference", ""),
            metadata=data.get("metadata"),
            client_name=client_name(request),
            idempotency_key=request.idempotency_key,
            actor=request.user.actor,
        )
        location = reverse("api:order", args=[order.pk])
        order = order_selectors.order_details(order, partner_id=request.user.partner.pk)
        return Response(
            render(OrderOut, order), status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class OrderItem(PartnerAPIView):
    @extend_schema(
        operation_id="getOrder",
        summary="Get an order",
        parameters=[ORDER_ID, VERSION],
        responses={200: OrderOut, **read_errors()},
    )
    def get(self, request, order_id):
        check_params(request.query_params, ["version"])
        order = order_selectors.order_for_partner(partner_id=request.user.partner.pk, order_id=order_id)
        if order is None:
            raise OrderNotFound("No such order.")
        if "version" in request.query_params:
            number = _version_number(request.query_params["version"])
            order = selectors.order_as_of(order, number)
            if order is None:
                raise VersionNotFound(f"The order has no confirmed version {number}.", version=number)
        return Response(render(OrderOut, order))

    @extend_schema(
        operation_id="updateOrder",
        summary="Change contact, external reference, metadata or expiresAt (PENDING only)",
        parameters=[ORDER_ID],
        request=OrderUpdateIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def patch(self, request, order_id):
        data = self.validated(OrderUpdateIn, request)
        partner_id = request.user.partner.pk
        details = {
            key: data[name]
            for name, key in (("externalReference", "external_reference"), ("metadata", "metadata"))
            if name in data
        }
        if "contact" in data:
            details["contact"] = ContactIn.to_input(data["contact"])
        if details:
            editing.order_update_details(
                order_id=order_id, partner_id=partner_id, actor=request.user.actor, **details
            )
        if "expiresAt" in data:
            editing.order_set_expiry(
                order_id=order_id,
                partner_id=partner_id,
                expires_at=data["expiresAt"],
                actor=request.user.actor,
            )
        return _order_response(request, order_id)


class OrderTravellers(PartnerAPIView):
    @extend_schema(
        operation_id="replaceTravellers",
        summary="Replace the travellers (PENDING only)",
        parameters=[ORDER_ID],
        request=TravellersIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def put(self, request, order_id):
        data = self.validated(TravellersIn, request)
        editing.order_replace_travellers(
            order_id=order_id,
            partner_id=request.user.partner.pk,
            travellers=travellers_input(data["travellers"]),
            actor=request.user.actor,
        )
        return _order_response(request, order_id)


class OrderFinalize(PartnerAPIView):
    @extend_schema(
        operation_id="finalizeOrder",
        summary="Finalize: pay by wallet or invoice and start issuing",
        description="Allowed when availableActions has finalize. Answers with the order PROCESSING.",
        parameters=[ORDER_ID],
        request=FinalizeIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id):
        data = self.validated(FinalizeIn, request)
        finalization.order_finalize(
            order_id=order_id,
            partner_id=request.user.partner.pk,
            method=data["method"],
            expected_total=data.get("expectedTotal"),
            actor=request.user.actor,
        )
        return _order_response(request, order_id)


class OrderCancel(PartnerAPIView):
    @extend_schema(
        operation_id="cancelOrder",
        summary="Cancel a PENDING order and release its reservations",
        parameters=[ORDER_ID],
        request=CancelIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id):
        data = self.validated(CancelIn, request)
        cancellation.order_cancel(
            order_id=order_id,
            partner_id=request.user.partner.pk,
            reason=data.get("reason", ""),
            actor=request.user.actor,
        )
        return _order_response(request, order_id)


class OrderEvents(PartnerAPIView):
    @extend_schema(
        operation_id="listOrderEvents",
        summary="The order's audit trail",
        description="Every status change of the order and its parts, and each voucher reveal, oldest first.",
        parameters=[
            ORDER_ID,
            *page_parameters(),
        ],
        responses={200: paged(EventOut, "EventPage"), **read_errors()},
    )
    def get(self, request, order_id):
        check_params(request.query_params, PAGE_PARAMS)
        events = selectors.events_of(partner_id=request.user.partner.pk, order_id=order_id)
        if events is None:
            raise OrderNotFound("No such order.")
        items, meta = paginate(events, page_request(request.query_params))
        return Response({"items": render_many(EventOut, items), **meta})


def _version_number(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput("version is a whole number from 1.", errors={"version": ["Give a whole number."]})
    return int(value)


class OrderVersions(PartnerAPIView):
    @extend_schema(
        operation_id="listOrderVersions",
        summary="The order's versions: each confirmed one and the open draft",
        parameters=[ORDER_ID],
        responses={200: VersionOut(many=True), **read_errors()},
    )
    def get(self, request, order_id):
        check_params(request.query_params, [])
        order = selectors.orders_of(request.user.partner.pk).filter(pk=order_id).first()
        if order is None:
            raise OrderNotFound("No such order.")
        return Response(render_many(VersionOut, selectors.versions_of(order)))


class OrderAmendments(PartnerAPIView):
    @extend_schema(
        operation_id="amendOrder",
        summary="Change a delivered order: open a draft version that adds, removes or exchanges lines",
        description=(
            "Allowed when availableActions has amend. Answers 202 with the order: its amendment is "
            "the draft, whose new lines reserve in the background; confirm it with its balance once "
            "they are RESERVED, or reset it. Unconfirmed by its expiresAt, it is discarded."
        ),
        parameters=[ORDER_ID],
        request=AmendmentIn,
        responses={202: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id):
        data = self.validated(AmendmentIn, request)
        amendments.amendment_open(
            order_id=order_id,
            partner_id=request.user.partner.pk,
            actor=request.user.actor,
            idempotency_key=request.idempotency_key,
            **amendment_input(data),
        )
        response = _order_response(request, order_id)
        response.status_code = status.HTTP_202_ACCEPTED
        return response


class OrderAmendment(PartnerAPIView):
    @extend_schema(
        operation_id="updateAmendment",
        summary="Move the open draft's expiresAt (seed 002's expireAt)",
        description=(
            "Later to keep the draft while the traveller decides, or sooner; never in the past, at "
            "most six months ahead (INVALID_EXPIRY). Answers the order with the draft."
        ),
        parameters=[ORDER_ID, NUMBER],
        request=AmendmentUpdateIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def patch(self, request, order_id, number):
        data = self.validated(AmendmentUpdateIn, request)
        amendments.amendment_set_expiry(
            order_id=order_id,
            number=number,
            expires_at=data["expiresAt"],
            partner_id=request.user.partner.pk,
            actor=request.user.actor,
        )
        return _order_response(request, order_id)


class OrderAmendmentConfirm(PartnerAPIView):
    @extend_schema(
        operation_id="confirmAmendment",
        summary="Confirm the draft: pay or get back its balance; it becomes the current version",
        description=(
            "Allowed when availableActions has confirmAmendment and every line the draft adds is "
            "RESERVED (else ORDER_NOT_READY). expectedBalance must be the draft's balance "
            "(PRICE_CHANGED). Removed lines' tickets stop being valid; new lines issue. "
            "A gateway order's positive balance is paid by the customer first: 202, the draft stays "
            "DRAFT and amendment.payment gives the checkout page (confirming again answers the same "
            "payment); the draft is confirmed when that payment succeeds."
        ),
        parameters=[ORDER_ID, NUMBER],
        request=ConfirmAmendmentIn,
        responses={200: OrderOut, 202: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id, number):
        data = self.validated(ConfirmAmendmentIn, request)
        version = amendment_confirmation.amendment_confirm(
            order_id=order_id,
            number=number,
            partner_id=request.user.partner.pk,
            expected_balance=data["expectedBalance"],
            actor=request.user.actor,
        )
        response = _order_response(request, order_id)
        if version.status == AmendmentStatus.DRAFT:  # waiting for its payment at checkout
            response.status_code = status.HTTP_202_ACCEPTED
        return response


class OrderAmendmentReset(PartnerAPIView):
    @extend_schema(
        operation_id="resetAmendment",
        summary="Discard the draft at once and release what it reserved",
        parameters=[ORDER_ID, NUMBER],
        request=ResetAmendmentIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id, number):
        data = self.validated(ResetAmendmentIn, request)
        amendments.amendment_reset(
            order_id=order_id,
            number=number,
            partner_id=request.user.partner.pk,
            reason=data.get("reason", ""),
            actor=request.user.actor,
        )
        return _order_response(request, order_id)


class OrderAmendmentFail(PartnerAPIView):
    @extend_schema(
        operation_id="failAmendmentLines",
        summary="Take lines the draft adds out of it: their supplier could not confirm them",
        description=(
            "Seed 002's fail. Lines still held are released; an exchanged line's old line stays; "
            "the draft's balance follows and its expiresAt moves on. Nothing was paid for them yet."
        ),
        parameters=[ORDER_ID, NUMBER],
        request=FailAmendmentIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id, number):
        data = self.validated(FailAmendmentIn, request)
        amendments.amendment_fail_lines(
            order_id=order_id,
            number=number,
            line_ids=data["lines"],
            partner_id=request.user.partner.pk,
            actor=request.user.actor,
        )
        return _order_response(request, order_id)


class OrderUnlock(PartnerAPIView):
    @extend_schema(
        operation_id="unlockOrder",
        summary="Release the order from an open amendment (seed 002's unlock)",
        description=(
            "An open draft is the only thing that holds an order: unlock resets it, whatever its "
            "number. An order nothing holds is answered as it is."
        ),
        parameters=[ORDER_ID],
        request=ResetAmendmentIn,
        responses={200: OrderOut, **write_errors()},
    )
    @idempotent
    def post(self, request, order_id):
        data = self.validated(ResetAmendmentIn, request)
        amendments.order_unlock(
            order_id=order_id,
            partner_id=request.user.partner.pk,
            reason=data.get("reason", ""),
            actor=request.user.actor,
        )
        return _order_response(request, order_id)
