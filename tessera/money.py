"""Money: Decimal amounts quantized to their currency's exponent, never floats."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents that differ from 2; every other code uses 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}

MAX_DIGITS = 15
DECIMAL_PLACES = 3
ZERO = Decimal("0")


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """The amount rounded half-even to the currency's minor unit."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    try:
        return value.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:  # more digits than the context holds, e.g. "1e100"
        raise ValueError(f"not an amount: {amount!r}") from exc


def parse_exact(amount: Decimal | int | str, currency: str) -> Decimal:
    """An amount given by a caller, refused (ValueError) if finer than the currency's minor unit.

    Input is never rounded silently: "25.001" EUR is an error, not 25.00.
    """
    exact = quantize(amount, currency)
    if exact != Decimal(amount):
        raise ValueError(f"{amount} has more decimals than {currency.upper()} allows ({exponent(currency)})")
    return exact


def format_amount(amount: Decimal, currency: str) -> str:
    """The decimal string the API and pages show, e.g. ``"260.32"``."""
    return f"{quantize(amount, currency):f}"


def included_tax(gross: Decimal, rate_percent: Decimal, currency: str) -> Decimal:
    """The VAT inside a gross (tax-included) amount at ``rate_percent``: gross - gross / (1 + rate)."""
    rate = Decimal(rate_percent)
    if rate == 0:
        return quantize(ZERO, currency)
    return quantize(gross - gross / (1 + rate / 100), currency)
