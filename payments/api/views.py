"""The partner's wallet: balances and the ledger of every movement."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from payments import selectors
from payments.api.filters import LedgerFilters
from payments.errors import WalletNotFound
from payments.models import LedgerEntry, Wallet
from tessera.api.base import PartnerAPIView, paged, read_errors
from tessera.api.fields import MoneyField
from tessera.api.filtering import check_params, valid_filters
from tessera.api.pagination import PAGE_PARAMS, page_parameters, page_request, paginate
from tessera.api.rendering import render_many


class WalletOut(serializers.ModelSerializer):
    balance = MoneyField(amount="balance", help_text="What the ledger sums to.")
    held = MoneyField(amount="held", help_text="Set aside for instant orders not paid yet.")
    available = MoneyField(amount="available", help_text="What a new order may spend: balance less held.")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Wallet
        fields = ["currency", "balance", "held", "available", "updatedAt"]


class LedgerEntryOut(serializers.ModelSerializer):
    amount = MoneyField(currency="wallet.currency")
    balanceAfter = MoneyField(amount="balance_after", currency="wallet.currency")
    orderId = serializers.UUIDField(source="order_id", allow_null=True)
    correlationId = serializers.CharField(source="correlation_id")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "at",
            "kind",
            "amount",
            "balanceAfter",
            "reference",
            "orderId",
            "memo",
            "correlationId",
        ]


class WalletView(PartnerAPIView):
    @extend_schema(
        operation_id="getWallets",
        summary="Your wallet balances",
        responses={200: inline_serializer("WalletList", {"items": WalletOut(many=True)}), **read_errors()},
    )
    def get(self, request):
        check_params(request.query_params, ())
        wallets = selectors.wallets_of(request.user.partner.pk)
        return Response({"items": render_many(WalletOut, wallets)})


class LedgerView(PartnerAPIView):
    filterset_class = LedgerFilters

    @extend_schema(
        operation_id="listLedgerEntries",
        summary="The ledger of one of your wallets, newest first",
        description="Filters take an operator prefix as the order list's do (`at=gte:2026-11-01T00:00:00Z`).",
        parameters=[
            OpenApiParameter("currency", str, OpenApiParameter.PATH),
            *page_parameters(),
        ],
        responses={200: paged(LedgerEntryOut, "LedgerPage"), **read_errors()},
    )
    def get(self, request, currency: str):
        filters = valid_filters(request.query_params, self.filterset_class, reserved=PAGE_PARAMS)
        wallet = selectors.wallet_of(partner_id=request.user.partner.pk, currency=currency)
        if wallet is None:
            raise WalletNotFound(f"No {currency.upper()} wallet.")
        items, meta = paginate(
            filters.filter_queryset(selectors.ledger_of(wallet)), page_request(request.query_params)
        )
        return Response({"items": render_many(LedgerEntryOut, items), **meta})
