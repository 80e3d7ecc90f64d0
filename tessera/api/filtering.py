"""List filters whose value may carry an operator prefix, after Entur's order search.

``status=in:PENDING,PROCESSING``, ``createdAt=gte:2026-01-01T00:00:00Z``, ``totalAmount=lt:100``.
Without a prefix the operator is ``eq``; a lowercase word before the first colon is always read
as an operator, so ``status=like:PENDING`` is refused naming ``like`` (a value that itself starts
so is sent as ``eq:...``). A parameter given twice must hold both times (AND). An unknown
parameter, operator or value is refused with a 400 naming it: a typo never silently widens a
partner's result.

Each list's filters are a django-filter FilterSet of ``OperatorFilter``s, one class for every
field: a ``Value`` says how one value is read and how the OpenAPI document describes it, and
``OperatorFilterExtension`` documents each filter from it (type, enum, operators).
"""

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter

from tessera.errors import InvalidFilter

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
EQUALITY = frozenset({"eq", "ne", "in", "nin"})
ORDERED = frozenset(OPERATORS)
COMPARISON = ORDERED - {"in", "nin"}
LISTS = frozenset({"in", "nin"})
MAX_IN_VALUES = 100
OPERATOR_PREFIX = re.compile(r"([a-z]+):(.*)", re.DOTALL)


@dataclass(frozen=True)
class Value:
    """How one value of a filter is read, and how the OpenAPI document describes it.

    ``parse`` raises ValueError with a message a partner can act on. ``schema`` is the OpenAPI
    schema of a bare value (``eq`` without a prefix); ``pattern`` is a regular expression for one
    value, from which the prefixed forms' patterns are built; ``list_pattern`` one value of an
    ``in``/``nin`` list, where a comma separates values (the same as ``pattern`` unless given).
    The schema and the patterns admit exactly what ``parse`` accepts: schemathesis checks both
    ways (tests/test_api_fuzzing.py, tests/test_filter_values_match_their_schema.py).
    """

    parse: Callable[[str], Any]
    schema: dict
    pattern: str
    list_pattern: str = ""

    @property
    def item_pattern(self) -> str:
        return self.list_pattern or self.pattern


def fits(pattern: str, raw: str) -> bool:
    """Whether ``raw`` is all of ``pattern``, read as the OpenAPI document's ECMA-262 pattern
    (``[0-9]``, never Python's Unicode ``\\d``)."""
    return re.fullmatch(pattern, raw, re.ASCII) is not None


@dataclass(frozen=True)
class Term:
    """One occurrence of a parameter: an operator and its values, read."""

    operator: str
    values: tuple


def read_term(raw: str, value: Value, operators: frozenset[str]) -> Term:
    match = OPERATOR_PREFIX.fullmatch(raw)
    operator, text = (match[1], match[2]) if match else ("eq", raw)
    allowed = ", ".join(sorted(operators))
    if operator not in OPERATORS:
        raise ValueError(
            f"Unknown operator {operator!r}; use {allowed}. "
            f"A value that itself starts with {operator}: is sent as eq:{operator}:..."
        )
    if operator not in operators:
        raise ValueError(f"Operator {operator!r} is not allowed; use {allowed}.")
    texts = text.split(",") if operator in LISTS else [text]
    if len(texts) > MAX_IN_VALUES:
        raise ValueError(f"At most {MAX_IN_VALUES} values.")
    return Term(operator, tuple(value.parse(item) for item in texts))


class RepeatedParameter(forms.Widget):
    """Every occurrence of the parameter, in the order sent."""

    def value_from_datadict(self, data, files, name) -> list[str]:
        return data.getlist(name) if hasattr(data, "getlist") else [data[name]] if name in data else []


class TermsField(forms.Field):
    widget = RepeatedParameter

    def __init__(self, *, value: Value, operators: frozenset[str], **kwargs) -> None:
        self.value = value
        self.operators = operators
        super().__init__(**kwargs)

    def __deepcopy__(self, memo) -> "TermsField":
        """Every form shares the field: it holds no state of its own form (django-filter's forms
        are never rendered), and a deep copy per request was a good part of a list's filtering."""
        return self

    def to_python(self, raws: list[str]) -> list[Term]:
        terms, messages = [], []
        for raw in raws:
            try:
                terms.append(read_term(raw, self.value, self.operators))
            except ValueError as exc:
                messages.append(str(exc))
        if messages:
            raise ValidationError(messages)
        return terms


def field_condition(field: str, operator: str, values: tuple) -> Q:
    """The condition for one operator, always in positive form (``ne`` as eq, ``nin`` as in)."""
    if operator in LISTS:
        return Q(**{f"{field}__in": values})
    if operator in {"eq", "ne"}:
        return Q(**{field: values[0]})
    return Q(**{f"{field}__{operator}": values[0]})


class OperatorFilter(django_filters.Filter):
    """A filter taking ``op:value``, for every field of every list.

    ``scope`` turns a condition on ``field_name`` into a condition on the listed rows, for filters
    on related rows (an order's lines): every positive condition of one parameter is put in one
    scope, so ``startTime=gt:X&startTime=lt:Y`` means one line inside the range; ``ne``/``nin``
    mean no related row matches.
    """

    field_class = TermsField

    def __init__(
        self,
        field_name: str,
        value: Value,
        operators: frozenset[str] = EQUALITY,
        *,
        help_text: str = "",
        scope: Callable[[Q], Q] | None = None,
    ) -> None:
        # An explicit label spares django-filter working one out from the model for every request.
        super().__init__(field_name, label=field_name, value=value, operators=operators, help_text=help_text)
        self.value = value
        self.operators = operators
        self.scope = scope

    def __deepcopy__(self, memo) -> "OperatorFilter":
        """A FilterSet copies its filters for every request so that it may set ``model`` and
        ``parent`` on them; everything else an OperatorFilter holds is immutable, so a shallow
        copy does (a deep one copied its value, operators and scope on every list request; the
        plain attribute copy here costs a third of copy.copy's)."""
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        return copied

    def filter(self, queryset: QuerySet, terms: list[Term]) -> QuerySet:
        if not terms:
            return queryset
        positive, negative = Q(), []
        for term in terms:
            condition = field_condition(self.field_name, term.operator, term.values)
            if term.operator in {"ne", "nin"}:
                negative.append(condition)
            else:
                positive &= condition
        scope = self.scope or (lambda condition: condition)
        if positive:
            queryset = queryset.filter(scope(positive))
        for condition in negative:
            queryset = queryset.filter(~scope(condition))
        return queryset

    def occurrence_schema(self) -> dict:
        """One occurrence: a bare value, or an operator and its value(s) as a string."""
        one = self.value.pattern
        forms = [dict(self.value.schema)]
        single = sorted(self.operators - LISTS, key=OPERATORS.index)
        if single:
            forms.append({"type": "string", "pattern": f"^({'|'.join(single)}):{one}$"})
        listed = sorted(self.operators & LISTS, key=OPERATORS.index)
        if listed:
            item = self.value.item_pattern
            more = f"(,{item}){{0,{MAX_IN_VALUES - 1}}}"
            forms.append({"type": "string", "pattern": f"^({'|'.join(listed)}):{item}{more}$"})
        return {"anyOf": forms}


class OperatorFilterSet(django_filters.FilterSet):
    """The base of the partner lists' FilterSets.

    django-filter builds a form class for every FilterSet instance, that is for every request;
    its filters and fields never change here, so each FilterSet class builds it once. This leans
    on ``FilterSet.get_form_class`` being the one place the form class comes from (a test checks
    that two requests share it and that the form still validates).
    """

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        if "_shared_form_class" not in cls.__dict__:
            cls._shared_form_class = super().get_form_class()
        return cls._shared_form_class


def valid_filters(
    params, filterset_class: type[django_filters.FilterSet], *, reserved: Iterable[str] = ()
) -> django_filters.FilterSet:
    """The FilterSet of ``params``, read: a 400 naming each unknown parameter and each bad filter.
    Its ``filter_queryset(queryset)`` then applies them."""
    filterset = filterset_class(params, queryset=filterset_class._meta.model._default_manager.none())
    errors = unknown_params(params, (*filterset.filters, *reserved))
    if not filterset.is_valid():
        errors.update({name: list(messages) for name, messages in filterset.errors.items()})
    if errors:
        raise InvalidFilter(f"Some filters are not valid: {', '.join(sorted(errors))}.", errors=errors)
    return filterset


def apply_filters(
    queryset: QuerySet,
    params,
    filterset_class: type[django_filters.FilterSet],
    *,
    reserved: Iterable[str] = (),
) -> QuerySet:
    """The rows of ``queryset`` that every filter of ``params`` keeps; a 400 naming each bad one."""
    return valid_filters(params, filterset_class, reserved=reserved).filter_queryset(queryset)


def unknown_params(params, allowed: Iterable[str]) -> dict[str, list[str]]:
    known = set(allowed)
    message = f"Unknown parameter. Known here: {', '.join(sorted(known)) or 'none'}."
    return {name: [message] for name in params if name not in known}


def check_params(params, allowed: Iterable[str]) -> None:
    """Refuse query parameters this endpoint does not know, naming them."""
    unknown = unknown_params(params, allowed)
    if unknown:
        raise InvalidFilter("Some query parameters are not known here.", errors=unknown)


class OperatorFilterBackend(DjangoFilterBackend):
    """The backend of every partner view with a ``filterset_class``: the views filter with
    apply_filters (which also refuses unknown parameters), drf-spectacular documents through it."""


class OperatorFilterExtension(DjangoFilterExtension):
    """Documents a view's ``filterset_class``: an ``OperatorFilter`` as a repeatable parameter
    whose every occurrence is its value's own schema (type, format, enum) or an operator form,
    with its operators in the description and in ``x-operators``."""

    target_class = "tessera.api.filtering.OperatorFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs) -> list[dict]:
        filterset_class = getattr(auto_schema.view, "filterset_class", None)
        if filterset_class is None:
            return []
        model = filterset_class._meta.model
        return [
            parameter
            for name, filter_field in filterset_class.base_filters.items()
            for parameter in self.resolve_filter_field(
                auto_schema, model, filterset_class, name, filter_field
            )
        ]

    def resolve_filter_field(
        self, auto_schema, model, filterset_class, field_name, filter_field
    ) -> list[dict]:
        if not isinstance(filter_field, OperatorFilter):
            return super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        operators = sorted(filter_field.operators, key=OPERATORS.index)
        description = filter_field.extra["help_text"]
        parameter = build_parameter_type(
            name=field_name,
            location=OpenApiParameter.QUERY,
            description=f"{description} Operators: {', '.join(operators)}; repeat the parameter to combine.",
            schema={"type": "array", "items": filter_field.occurrence_schema()},
            explode=True,
            style="form",
        )
        parameter["x-operators"] = operators
        return [parameter]


# --- values: how each kind is read and described -------------------------------------------------


CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"


def text(max_length: int = 200, *, lower: bool = False) -> Value:
    """Text as sent (nothing trimmed), of 1 to ``max_length`` characters and no control
    character (C0, DEL, C1); in an ``in``/``nin`` list, without a comma."""
    single = f"[^{CONTROL_CHARACTERS}]{{1,{max_length}}}"

    def parse(raw: str) -> str:
        if not fits(single, raw):
            raise ValueError(f"Expected text of 1 to {max_length} characters, without control characters.")
        return raw.lower() if lower else raw

    # A bare value must not look like an operator prefix (`like:x` is an unknown operator).
    schema = {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": f"^(?![a-z]+:)[^{CONTROL_CHARACTERS}]*$",
    }
    return Value(parse, schema, single, f"[^,{CONTROL_CHARACTERS}]{{1,{max_length}}}")


def choice(choices: Iterable[str]) -> Value:
    allowed = tuple(choices)

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"{raw!r} is not one of {', '.join(allowed)}.")
        return raw

    return Value(parse, {"type": "string", "enum": list(allowed)}, f"({'|'.join(map(re.escape, allowed))})")


YEAR_PATTERN = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
LEAP_YEAR_PATTERN = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
MONTH_AND_DAY_PATTERN = (
    "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
)
DATE_PATTERN = f"({YEAR_PATTERN}-{MONTH_AND_DAY_PATTERN}|{LEAP_YEAR_PATTERN}-02-29)"
TIMESTAMP_PATTERN = (
    f"{DATE_PATTERN}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{{1,6}})?)?"
    "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def parse_timestamp(raw: str) -> datetime:
    """A day of the calendar in years 1 to 9999, a time to the minute, second or microsecond,
    and ``Z`` or an offset. A time whose instant in UTC falls outside those years (early on
    0001-01-01 east of Greenwich, late on 9999-12-31 west of it) reads as the first or last
    instant a time can hold: no stored time lies beyond them."""
    if not fits(TIMESTAMP_PATTERN, raw):
        raise ValueError(f"{raw!r} is not an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z.")
    parsed = datetime.fromisoformat(raw)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return EARLIEST if parsed.year == 1 else LATEST


TIMESTAMP = Value(
    parse_timestamp,
    {"type": "string", "format": "date-time", "pattern": f"^{TIMESTAMP_PATTERN}$"},
    TIMESTAMP_PATTERN,
)
DECIMAL_PATTERN = r"-?[0-9]{1,11}(\.[0-9]{1,6})?"


def parse_decimal(raw: str) -> Decimal:
    if not fits(DECIMAL_PATTERN, raw):
        raise ValueError(f"{raw!r} is not an amount, e.g. 100 or 99.50.")
    return Decimal(raw)


DECIMAL = Value(
    parse_decimal, {"type": "string", "format": "decimal", "pattern": f"^{DECIMAL_PATTERN}$"}, DECIMAL_PATTERN
)
INTEGER_PATTERN = "[0-9]{1,12}"


def parse_int(raw: str) -> int:
    if not fits(INTEGER_PATTERN, raw):
        raise ValueError(f"{raw!r} is not a whole number.")
    return int(raw)


INTEGER = Value(parse_int, {"type": "integer", "minimum": 0, "maximum": 10**12 - 1}, INTEGER_PATTERN)
CURRENCY_PATTERN = "[A-Za-z]{3}"


def parse_currency(raw: str) -> str:
    if not fits(CURRENCY_PATTERN, raw):
        raise ValueError(f"{raw!r} is not an ISO 4217 currency code.")
    return raw.upper()


CURRENCY = Value(parse_currency, {"type": "string", "pattern": f"^{CURRENCY_PATTERN}$"}, CURRENCY_PATTERN)
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def identifier(what: str) -> Value:
    """A UUID in its hyphenated form; ``what`` names it in the message (``an order id``)."""

    def parse(raw: str) -> uuid.UUID:
        if not fits(UUID_PATTERN, raw):
            raise ValueError(f"{raw!r} is not {what}.")
        return uuid.UUID(raw)

    return Value(parse, {"type": "string", "format": "uuid", "pattern": f"^{UUID_PATTERN}$"}, UUID_PATTERN)
