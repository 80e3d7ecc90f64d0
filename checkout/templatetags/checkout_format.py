"""Filters of the customer's pages: amounts, VAT rates, local times and line statuses in plain words."""

from django import template
from django.utils.html import format_html

from checkout.statuses import LINE_WORDS, REFUND_REASON_WORDS, REFUND_WORDS
from tessera import local_time
from tessera.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """An amount in its currency's minor unit, e.g. "899.00 EUR"."""
    if amount is None:
        return ""
    return f"{format_amount(amount, currency)} {currency}"


@register.filter
def reference(value: str) -> str:
    """An order reference that never breaks at its hyphen ("T-" on one line, the rest on the next)."""
    return format_html('<span class="nowrap">{}</span>', value)


@register.filter
def percent(rate) -> str:
    """A VAT rate without trailing zeros: 12.00 → "12 %", 5.50 → "5.5 %"."""
    return f"{rate.normalize():f} %"


@register.filter
def line_words(status: str) -> str:
    return str(LINE_WORDS.get(status, status))


@register.filter
def refund_words(status: str) -> str:
    return str(REFUND_WORDS.get(status, status))


@register.filter
def refund_reason_words(reason: str) -> str:
    return str(REFUND_REASON_WORDS.get(reason, reason))


@register.filter
def local_datetime(moment, zone=None) -> str:
    """A ``<time>`` element: the moment in ``zone`` with its abbreviation, in the page's language."""
    if moment is None:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', moment.isoformat(), local_time.local_datetime(moment, zone)
    )


@register.filter
def local_date(moment, zone=None) -> str:
    if moment is None:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', moment.isoformat(), local_time.local_date(moment, zone)
    )


@register.filter
def place_name(place_id: str, product) -> str:
    """A place as customers read it ("Oslo S"), not the supplier's id ("NSR:StopPlace:337")."""
    return product.place_name(place_id)
