"""The partner's wallet: balances and the ledger of every movement."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from payments.errors import WalletNotFound
from payments.models import LedgerEntry, Wallet
from tessera.api.base import PartnerAPIView, paged, read_errors
from tessera.api.fields import money
from tessera.api.filtering import check_params
from tessera.api.pagination import PAGE_PARAMS, page_parameters, page_request, paginate


class WalletOut(serializers.ModelSerializer):
    balance = serializers.SerializerMethodField()
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Wallet
        fields = ["currency", "balance", "updatedAt"]

    def get_balance(self, wallet: Wallet) -> dict:
        return money(wallet.balance, wallet.currency)


class LedgerEntryOut(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    balanceAfter = serializers.SerializerMethodField()
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

    def get_amount(self, entry: LedgerEntry) -> dict:
        return money(entry.amount, entry.wallet.currency)

    def get_balanceAfter(self, entry: LedgerEntry) -> dict:  # noqa: N802 - API name
        return money(entry.balance_after, entry.wallet.currency)


class WalletView(PartnerAPIView):
    @extend_schema(
        operation_id="getWallets",
        summary="Your wallet balances",
        responses={200: inline_serializer("WalletList", {"items": WalletOut(many=True)}), **read_errors()},
    )
    def get(self, request):
        check_params(request.query_params, ())
        wallets = Wallet.objects.filter(partner=request.user.partner).order_by("currency")
        return Response({"items": WalletOut(wallets, many=True).data})


class LedgerView(PartnerAPIView):
    @extend_schema(
        operation_id="listLedgerEntries",
        summary="The ledger of one of your wallets, newest first",
        parameters=[
            OpenApiParameter("currency", str, OpenApiParameter.PATH),
            *page_parameters(),
        ],
        responses={200: paged(LedgerEntryOut, "LedgerPage"), **read_errors()},
    )
    def get(self, request, currency: str):
        check_params(request.query_params, PAGE_PARAMS)
        wallet = Wallet.objects.filter(partner=request.user.partner, currency=currency.upper()).first()
        if wallet is None:
            raise WalletNotFound(f"No {currency.upper()} wallet.")
        entries = wallet.entries.select_related("wallet").order_by("-created_at", "-id")
        items, meta = paginate(entries, page_request(request.query_params))
        return Response({"items": LedgerEntryOut(items, many=True).data, **meta})
