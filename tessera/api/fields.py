"""Serializer pieces every API resource uses."""

from rest_framework import serializers

from tessera.money import format_amount


def money(amount, currency: str) -> dict:
    return {"amount": format_amount(amount, currency), "currency": currency}


class MoneySerializer(serializers.Serializer):
    """``{"amount": "260.32", "currency": "EUR"}``: a decimal string beside its currency."""

    amount = serializers.CharField(help_text='Decimal string, e.g. "260.32".')
    currency = serializers.CharField(help_text="ISO 4217 code.")


class ProblemSerializer(serializers.Serializer):
    """The body of every error (RFC 9457 problem+json)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errorCode = serializers.CharField(help_text="Stable code; see the error catalog.")
    fault = serializers.ChoiceField(choices=["client", "supplier", "server"])
    retryable = serializers.BooleanField(help_text="True: retrying with the same Idempotency-Key is safe.")
    suggestedAction = serializers.CharField()
    correlationId = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Per-field messages for validation errors.")
    context = serializers.DictField(required=False)
