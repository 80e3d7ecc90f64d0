"""List filters whose value may carry an operator prefix, after Entur's order search.

``status=in:PENDING,PROCESSING``, ``createdAt=gte:2026-01-01T00:00:00Z``, ``totalAmount=lt:100``.
Without a prefix the operator is ``eq``. A parameter given twice must hold both times (AND).
An unknown parameter, operator or value is refused with a 400 naming it: a typo never silently
widens a partner's result.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from tessera.errors import InvalidFilter

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
EQUALITY = frozenset({"eq", "ne", "in", "nin"})
ORDERED = frozenset(OPERATORS)
MAX_IN_VALUES = 100


@dataclass(frozen=True)
class Filter:
    """One filter parameter: what it filters and how its values are read.

    ``scope`` turns a condition on ``field`` into a condition on the listed rows, for filters on
    related rows (an order's lines): every positive condition of one parameter is put in one
    scope, so ``startTime=gt:X&startTime=lt:Y`` means one line inside the range; ``ne``/``nin``
    mean no related row matches.
    """

    field: str
    parse: Callable[[str], Any]
    operators: frozenset[str] = EQUALITY
    description: str = ""
    scope: Callable[[Q], Q] | None = None


def field_condition(field: str, operator: str, values: list) -> Q:
    """The condition for one operator, always in positive form (``ne`` as eq, ``nin`` as in)."""
    if operator in {"in", "nin"}:
        return Q(**{f"{field}__in": values})
    if operator in {"eq", "ne"}:
        return Q(**{field: values[0]})
    return Q(**{f"{field}__{operator}": values[0]})


def split_operator(raw: str) -> tuple[str, str]:
    head, sep, rest = raw.partition(":")
    if sep and head in OPERATORS:
        return head, rest
    return "eq", raw


def apply_filters(
    queryset: QuerySet, params, filters: dict[str, Filter], *, reserved: Iterable[str] = ()
) -> QuerySet:
    errors = unknown_params(params, (*filters, *reserved))
    conditions = []
    for name, spec in filters.items():
        positive, negative = Q(), []
        for raw in params.getlist(name):
            try:
                operator, values = _parse(spec, raw)
            except ValueError as exc:
                errors.setdefault(name, []).append(str(exc))
                continue
            condition = field_condition(spec.field, operator, values)
            if operator in {"ne", "nin"}:
                negative.append(condition)
            else:
                positive &= condition
        scope = spec.scope or (lambda condition: condition)
        if positive:
            conditions.append(scope(positive))
        conditions.extend(~scope(condition) for condition in negative)
    if errors:
        raise InvalidFilter(f"Some filters are not valid: {', '.join(sorted(errors))}.", errors=errors)
    for condition in conditions:
        queryset = queryset.filter(condition)
    return queryset


def unknown_params(params, allowed: Iterable[str]) -> dict[str, list[str]]:
    known = set(allowed)
    message = f"Unknown parameter. Known here: {', '.join(sorted(known)) or 'none'}."
    return {name: [message] for name in params if name not in known}


def check_params(params, allowed: Iterable[str]) -> None:
    """Refuse query parameters this endpoint does not know, naming them."""
    unknown = unknown_params(params, allowed)
    if unknown:
        raise InvalidFilter("Some query parameters are not known here.", errors=unknown)


def _parse(spec: Filter, raw: str) -> tuple[str, list]:
    operator, text = split_operator(raw)
    if operator not in spec.operators:
        raise ValueError(f"Operator {operator!r} is not allowed; use {', '.join(sorted(spec.operators))}.")
    texts = text.split(",") if operator in {"in", "nin"} else [text]
    if len(texts) > MAX_IN_VALUES:
        raise ValueError(f"At most {MAX_IN_VALUES} values.")
    return operator, [spec.parse(item.strip()) for item in texts]


# --- value parsers: each raises ValueError with a message a partner can act on -------------


def parse_text(max_length: int = 200) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not value or len(value) > max_length or not value.isprintable():
            raise ValueError(f"Expected text of 1 to {max_length} characters.")
        return value

    return parse


def parse_lower_text(max_length: int = 254) -> Callable[[str], str]:
    text = parse_text(max_length)
    return lambda value: text(value).lower()


def parse_choice(choices: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(choices)

    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}.")
        return value

    return parse


def parse_timestamp(value: str) -> datetime:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError(f"{value!r} is not an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z.")
    return parsed


def parse_decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValueError(f"{value!r} is not an amount, e.g. 100 or 99.50.")
    return number


def parse_int(value: str) -> int:
    if not value.isdecimal() or len(value) > 12:
        raise ValueError(f"{value!r} is not a whole number.")
    return int(value)
