"""Amounts from callers are taken exactly or refused; never rounded behind their back."""

from decimal import Decimal

import pytest

from tessera.money import format_amount, included_tax, parse_exact


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("260.32", "EUR", Decimal("260.32")),
        ("260.3", "EUR", Decimal("260.30")),
        ("1000", "JPY", Decimal("1000")),
        ("1.234", "KWD", Decimal("1.234")),
    ],
)
def test_exact_amounts_are_taken(amount, currency, expected):
    assert parse_exact(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("260.325", "EUR"),
        ("1000.5", "JPY"),
        ("1.2345", "KWD"),
        ("abc", "EUR"),
        ("NaN", "EUR"),
        ("Infinity", "EUR"),
        ("1e100", "EUR"),  # found by schemathesis: a denomination of 1e100 was a 500
    ],
)
def test_amounts_finer_than_the_currency_or_not_numbers_are_refused(amount, currency):
    with pytest.raises(ValueError):
        parse_exact(amount, currency)


def test_amounts_are_written_with_the_currency_exponent():
    assert format_amount(Decimal("260.320"), "EUR") == "260.32"
    assert format_amount(Decimal("1000.000"), "JPY") == "1000"
    assert format_amount(Decimal("5"), "EUR") == "5.00"


@pytest.mark.parametrize(
    ("gross", "rate", "currency", "tax"),
    [
        ("112.00", "12", "EUR", "12.00"),
        ("899.00", "12.00", "EUR", "96.32"),
        ("45.00", "9", "EUR", "3.72"),
        ("260.32", "0", "EUR", "0.00"),
        ("1100", "10", "JPY", "100"),
    ],
)
def test_tax_included_in_a_gross_amount_is_rounded_to_the_currency(gross, rate, currency, tax):
    assert included_tax(Decimal(gross), Decimal(rate), currency) == Decimal(tax)
