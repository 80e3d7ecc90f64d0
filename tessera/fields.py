"""Model fields shared by every app."""

from django.db import models

from tessera.money import DECIMAL_PLACES, MAX_DIGITS


def amount_field(**kwargs) -> models.DecimalField:
    """A money amount: Decimal wide enough for any currency's exponent (the currency sits beside it)."""
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)
