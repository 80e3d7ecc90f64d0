"""English date formats: the back office's one way of writing a time, "7 Dec 2026, 00:01 UTC".

Django's own English formats read "Dec. 7, 2026, midnight"; staff compare times across pages,
the timeline and CSV exports, so every page says the day, a 24-hour time and the zone.
"""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
