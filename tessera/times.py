"""Times as Tessera writes them for people and programs outside: ISO 8601 in UTC, ending in ``Z``.

DRF's DateTimeField already writes ``Z`` for UTC; times Tessera writes into JSON itself (offer
snapshots, audit payloads, error contexts) go through ``iso_utc`` so that every time a partner
reads has the one form, ``2026-12-07T19:30:00Z``, never ``+00:00``.
"""

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    """``moment`` (aware) in UTC as ISO 8601 with ``Z``; microseconds are kept when there are any."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_utc_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso_utc(moment)
