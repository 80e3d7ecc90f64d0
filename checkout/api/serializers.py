"""Shapes of hosted checkout in the partner API."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.services.checkout import MAX_RETURN_URL_LENGTH


@extend_schema_field(OpenApiTypes.URI)
class ReturnUrlField(serializers.CharField):
    """An absolute URL; the service checks its scheme and host (payments.services.checkout)."""


class CheckoutIn(serializers.Serializer):
    returnUrl = ReturnUrlField(
        max_length=MAX_RETURN_URL_LENGTH,
        help_text="Where the customer goes after paying; https (http only for localhost). "
        "Tessera adds return=<orderKey> to its query.",
    )


class CheckoutOut(serializers.Serializer):
    url = serializers.CharField(help_text="The checkout page to send the customer to.")
    orderKey = serializers.CharField(help_text="The customer's key to the order's pages.")
    expiresAt = serializers.DateTimeField(help_text="The customer must pay before this time.")


class CustomerLinksOut(serializers.Serializer):
    """The order's pages for its customer; a link is null until its page has something to show."""

    orderKey = serializers.CharField(help_text="The customer's key (the ?return= of the return URL).")
    checkout = serializers.CharField(allow_null=True, help_text="The checkout page, once checkout is open.")
    status = serializers.CharField(help_text="Payment and order status, in the customer's words.")
    tickets = serializers.CharField(allow_null=True, help_text="Tickets and codes, once paid and issued.")
    receipt = serializers.CharField(allow_null=True, help_text="The receipt (HTML; add .pdf), once paid.")
