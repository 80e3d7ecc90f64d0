"""How the back office writes times and audit details for people: one time format, plain words.

Times read "7 Dec 2026, 00:01 UTC" everywhere (the English DATETIME_FORMAT of config/formats, in
the server's zone, which the format names). An audit event's details are a JSON object written by
many services; staff read them as "booking reference: SBX1; items: 1", never as Python's repr of
a dict or list.
"""

import re
from datetime import date, datetime

from django.utils import dateformat, formats, timezone

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SNAKE_WORD = re.compile(r"^[a-z]+(_[a-z]+)+$")


def staff_time(value: datetime | None) -> str:
    """A moment as staff read it everywhere in the back office: "7 Dec 2026, 00:01 UTC"."""
    if value is None:
        return "-"
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return dateformat.format(timezone.localtime(value), formats.get_format("DATETIME_FORMAT", lang="en"))


def words(name: str) -> str:
    """``bookingReference``, ``booking_reference`` or ``order.finalized`` as "booking reference"."""
    spaced = _WORD_BOUNDARY.sub(" ", name).replace("_", " ").replace(".", " ")
    return " ".join(spaced.split()).lower()


def plain(value) -> str:
    """A JSON value in words: lists joined by commas, times in the one format, nothing as a repr."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{words(key)} {plain(item)}" for key, item in value.items())
    if isinstance(value, datetime):
        return staff_time(value)
    if isinstance(value, date):
        return dateformat.format(value, formats.get_format("DATE_FORMAT", lang="en"))
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            return staff_time(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if isinstance(value, str) and _SNAKE_WORD.match(value):
        return words(value)
    return str(value)


def details(payload: dict) -> str:
    """An audit event's details: "reason: out of stock; items: 1" (a dash when there are none)."""
    return "; ".join(f"{words(key)}: {plain(value)}" for key, value in (payload or {}).items()) or "-"
