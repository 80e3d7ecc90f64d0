"""Primary keys that sort by creation time (UUID version 7, RFC 9562).

Random UUIDs (version 4) land anywhere in a B-tree: at a million orders every new order, line,
event and payment touched a different page of each index keyed by an order id, and PostgreSQL
wrote a full image of each such page to its WAL after every checkpoint (docs/benchmarks.md).
Version 7 ids start with the time in milliseconds, so new rows go to the right-hand end of those
indexes, where the pages are already in memory. They are as unguessable as before in the bits
that matter to Tessera: an order is reached by id only by its own partner, and the customer's
pages use the separate, fully random order key.
"""

import uuid

import uuid6


def time_ordered_uuid() -> uuid.UUID:
    """A new UUID version 7, as the standard library's UUID type."""
    return uuid.UUID(int=uuid6.uuid7().int)
