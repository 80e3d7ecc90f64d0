"""Times where they happen: an event's or a departure's local time, with its zone's abbreviation.

Customers read "Tue 8 Dec 2026, 07:25 CET" for a train leaving Oslo, whatever their own zone;
the day and month names follow the active language, and so does the order of the parts (the
formats are translated with the customer's pages).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext

UTC = ZoneInfo("UTC")


def local_datetime(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """Day, date and time in ``zone`` (UTC without one), then the zone's abbreviation."""
    if moment is None:
        return ""
    local = moment.astimezone(zone or UTC)
    # Translators: a date and time on tickets and customer pages (Django's date format letters).
    pattern = pgettext("customer datetime", "D j M Y, H:i")
    return f"{date_format(local, pattern)} {local.tzname()}"


def local_date(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """The date in ``zone`` (UTC without one)."""
    if moment is None:
        return ""
    # Translators: a date on receipts and customer pages (Django's date format letters).
    return date_format(moment.astimezone(zone or UTC), pgettext("customer date", "j M Y"))
