"""VAT inside tax-included amounts, one row per rate, as invoices and credit notes print it.

Tax is computed on the sum of the amounts at each rate, not line by line, so an invoice's VAT is
what an accountant recomputes from its rate summary; the same function runs when an order is
billed and when its invoice is closed, so the two always agree.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tessera.money import ZERO, included_tax, quantize


@dataclass(frozen=True)
class VatLine:
    rate: Decimal
    gross: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.tax

    @property
    def rate_label(self) -> str:
        return rate_label(self.rate)

    def negated(self) -> "VatLine":
        return VatLine(rate=self.rate, gross=-self.gross, tax=-self.tax)


def _rate(value) -> Decimal:
    """12.00 as 12, 5.50 as 5.5: one key per rate however it was stored."""
    rate = Decimal(value)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


def rate_label(value) -> str:
    """12.00 as "12 %", 5.50 as "5.5 %": how documents print a rate."""
    return f"{_rate(value):f} %"


def vat_lines(parts: Iterable[tuple[Decimal, Decimal]], currency: str) -> list[VatLine]:
    """``(gross amount, rate percent)`` pairs summed per rate, with the VAT included in each sum."""
    gross_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for gross, rate in parts:
        gross_by_rate[_rate(rate)] += gross
    return [
        VatLine(rate=rate, gross=quantize(gross, currency), tax=included_tax(gross, rate, currency))
        for rate, gross in sorted(gross_by_rate.items())
    ]


def allocate(amount: Decimal, parts: Iterable[tuple[Decimal, Decimal]], currency: str) -> list[VatLine]:
    """``amount`` spread over the rates of ``parts`` in proportion to their gross amounts.

    For a refund whose amount is not the sum of its lines (a supplier fee kept, a cap): each rate
    gets its share, rounded to the currency, and the largest share takes the rounding remainder so
    the shares add up to ``amount`` exactly. Without parts, all of it is at 0 %.
    """
    weights = vat_lines(parts, currency)
    base = sum((line.gross for line in weights), ZERO)
    if base <= 0:
        return vat_lines([(amount, ZERO)], currency)
    shares = {line.rate: quantize(amount * line.gross / base, currency) for line in weights}
    largest = max(weights, key=lambda line: (line.gross, line.rate)).rate
    shares[largest] += amount - sum(shares.values(), ZERO)
    return vat_lines([(gross, rate) for rate, gross in shares.items() if gross], currency)


def combine(lines: Iterable[VatLine], currency: str) -> list[VatLine]:
    """Rows of several documents added up per rate (a rate summary of an invoice's items)."""
    gross: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    tax: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        gross[line.rate] += line.gross
        tax[line.rate] += line.tax
    return [
        VatLine(rate=rate, gross=quantize(gross[rate], currency), tax=quantize(tax[rate], currency))
        for rate in sorted(gross)
    ]


def total_tax(lines: Iterable[VatLine]) -> Decimal:
    return sum((line.tax for line in lines), ZERO)
