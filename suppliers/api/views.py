"""Products and offers: what a partner can buy, and a priced quote that holds for a while."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from suppliers import selectors
from suppliers.api.filters import ProductFilters
from suppliers.errors import OfferNotFound, ProductNotFound
from suppliers.models import Offer, Product
from suppliers.services import MAX_QUANTITY, change_rules, offer_quote
from tessera.api.base import PartnerAPIView, paged, read_errors, write_errors
from tessera.api.fields import DecimalStringField, MoneyField
from tessera.api.filtering import apply_filters
from tessera.api.idempotency import idempotent
from tessera.api.pagination import PAGE_PARAMS, page_parameters, page_request, paginate
from tessera.api.rendering import render, render_many

_MONEY_SCHEMA = {
    "type": "object",
    "properties": {"amount": {"type": "string", "example": "5.00"}, "currency": {"type": "string"}},
    "required": ["amount", "currency"],
}
_RULE_SCHEMA = {
    "type": "object",
    "properties": {"allowed": {"type": "boolean"}, "fee": _MONEY_SCHEMA},
    "required": ["allowed", "fee"],
}
CHANGE_RULES_SCHEMA = {
    "type": "object",
    "properties": {"exchange": _RULE_SCHEMA, "removal": _RULE_SCHEMA, "travellerChange": _RULE_SCHEMA},
    "required": ["exchange", "removal", "travellerChange"],
}


class ProductOut(serializers.ModelSerializer):
    price = MoneyField(amount="price", allow_null=True)
    supplier = serializers.CharField(source="supplier.slug")
    supplierReference = serializers.CharField(source="supplier_reference")
    startsAt = serializers.DateTimeField(source="starts_at", allow_null=True)
    fromPlace = serializers.CharField(source="from_place")
    toPlace = serializers.CharField(source="to_place")
    denominations = serializers.ListField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True),
        help_text="For vouchers: the face values to quote with (denomination); empty otherwise.",
    )
    travellerPerUnit = serializers.BooleanField(
        source="requires_traveller",
        help_text="Orders of it need one traveller per unit (trains and flights); travellers are "
        "matched to its lines in order.",
    )
    changes = serializers.SerializerMethodField(
        help_text="Which changes of an issued ticket an amendment may make (exchange, removal, "
        "travellerChange), each with its fee: a change fee per exchanged ticket, a cancellation fee "
        "kept per removed one, a traveller change fee per ticket of a traveller whose details change."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "kind",
            "supplier",
            "supplierReference",
            "price",
            "currency",
            "denominations",
            "delivery",
            "startsAt",
            "fromPlace",
            "toPlace",
            "travellerPerUnit",
            "changes",
        ]

    @extend_schema_field(CHANGE_RULES_SCHEMA)
    def get_changes(self, product: Product) -> dict:
        return change_rules(product)


class OfferIn(serializers.Serializer):
    productId = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    denomination = DecimalStringField(required=False, help_text='For vouchers: a face value, e.g. "50.00".')


class OfferOut(serializers.ModelSerializer):
    productId = serializers.IntegerField(source="product_id")
    unitPrice = MoneyField(amount="unit_price")
    total = MoneyField(amount="total_amount")
    expiresAt = serializers.DateTimeField(source="expires_at")
    usedAt = serializers.DateTimeField(source="used_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Offer
        fields = [
            "id",
            "productId",
            "quantity",
            "unitPrice",
            "total",
            "snapshot",
            "expiresAt",
            "usedAt",
            "createdAt",
        ]


class ProductCollection(PartnerAPIView):
    filterset_class = ProductFilters

    @extend_schema(
        operation_id="listProducts",
        summary="List the products you can order",
        parameters=page_parameters(),
        responses={200: paged(ProductOut, "ProductPage"), **read_errors()},
    )
    def get(self, request):
        queryset = apply_filters(
            selectors.sellable_products(), request.query_params, self.filterset_class, reserved=PAGE_PARAMS
        )
        items, meta = paginate(queryset.order_by("pk"), page_request(request.query_params))
        return Response({"items": render_many(ProductOut, items), **meta})


class ProductItem(PartnerAPIView):
    @extend_schema(
        operation_id="getProduct", summary="Get a product", responses={200: ProductOut, **read_errors()}
    )
    def get(self, request, product_id: int):
        product = selectors.sellable_products().filter(pk=product_id).first()
        if product is None:
            raise ProductNotFound("No such product.")
        return Response(render(ProductOut, product))


class OfferCollection(PartnerAPIView):
    @extend_schema(
        operation_id="createOffer",
        summary="Quote an offer: a price that holds until expiresAt",
        request=OfferIn,
        responses={201: OfferOut, **write_errors()},
    )
    @idempotent
    def post(self, request):
        data = self.validated(OfferIn, request)
        offer = offer_quote(
            partner=request.user.partner,
            product_id=data["productId"],
            quantity=data["quantity"],
            denomination=data.get("denomination"),
        )
        return Response(render(OfferOut, offer), status=status.HTTP_201_CREATED)


class OfferItem(PartnerAPIView):
    @extend_schema(
        operation_id="getOffer", summary="Get one of your offers", responses={200: OfferOut, **read_errors()}
    )
    def get(self, request, offer_id):
        offer = selectors.offer_of(partner_id=request.user.partner.pk, offer_id=offer_id)
        if offer is None:
            raise OfferNotFound("No such offer.")
        return Response(render(OfferOut, offer))
