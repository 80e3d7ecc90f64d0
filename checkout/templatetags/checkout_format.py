"""Filters of the customer's pages: amounts, VAT rates and line statuses in plain words."""

from django import template

from checkout.statuses import LINE_WORDS
from tessera.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """An amount in its currency's minor unit, e.g. "899.00 EUR"."""
    if amount is None:
        return ""
    return f"{format_amount(amount, currency)} {currency}"


@register.filter
def percent(rate) -> str:
    """A VAT rate without trailing zeros: 12.00 → "12 %", 5.50 → "5.5 %"."""
    return f"{rate.normalize():f} %"


@register.filter
def line_words(status: str) -> str:
    return LINE_WORDS.get(status, status)
