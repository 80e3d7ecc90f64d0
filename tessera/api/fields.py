"""Serializer pieces every API resource uses."""

from operator import attrgetter

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tessera.errors import FAULTS
from tessera.money import format_amount


def money(amount, currency: str) -> dict:
    return {"amount": format_amount(amount, currency), "currency": currency}


class MoneySerializer(serializers.Serializer):
    """``{"amount": "260.32", "currency": "EUR"}``: a decimal string beside its currency."""

    amount = serializers.CharField(help_text='Decimal string, e.g. "260.32".')
    currency = serializers.CharField(help_text="ISO 4217 code.")


@extend_schema_field(MoneySerializer)
class MoneyField(serializers.Field):
    """An amount and its currency read from the object, written as ``{"amount", "currency"}``.

    ``currency`` may be a dotted path (``wallet.currency``); a missing amount is null.
    """

    def __init__(self, amount: str = "amount", currency: str = "currency", **kwargs) -> None:
        self.read_amount = attrgetter(amount)
        self.read_currency = attrgetter(currency)
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance) -> dict | None:
        value = self.read_amount(instance)
        return None if value is None else money(value, self.read_currency(instance))


class ProblemSerializer(serializers.Serializer):
    """The body of every error (RFC 9457 problem+json)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errorCode = serializers.CharField(help_text="Stable code; see the error catalog.")
    fault = serializers.ChoiceField(choices=FAULTS)
    retryable = serializers.BooleanField(help_text="True: retrying with the same Idempotency-Key is safe.")
    suggestedAction = serializers.CharField()
    correlationId = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Per-field messages for validation errors.")
    context = serializers.DictField(required=False)


DECIMAL_STRING_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,3})?$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": DECIMAL_STRING_PATTERN,
        "maxLength": 16,
        "example": "260.32",
    }
)
class DecimalStringField(serializers.RegexField):
    """An amount as the API writes them: a decimal string (``"260.32"``), never a JSON number.

    The currency's own precision (2 decimals for EUR, 0 for JPY) is checked by the service.
    """

    json_type_hint = 'a decimal string, such as "260.32"'

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(
            DECIMAL_STRING_PATTERN,
            error_messages={"invalid": 'Expected a decimal string, such as "260.32".'},
            **kwargs,
        )


SIGNED_DECIMAL_STRING_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": SIGNED_DECIMAL_STRING_PATTERN,
        "maxLength": 17,
        "example": "-20.00",
    }
)
class SignedDecimalStringField(serializers.RegexField):
    """A decimal string that may be negative (``"-20.00"``): a difference, such as a balance."""

    json_type_hint = 'a decimal string, such as "-20.00"'

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 17)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(
            SIGNED_DECIMAL_STRING_PATTERN,
            error_messages={"invalid": 'Expected a decimal string, such as "-20.00".'},
            **kwargs,
        )
