"""Every secret the sandbox supplier handed out in the database in DATABASE_URL, as JSON (run by
the secrets scan): voucher codes, redemption links, supplier secrets, ticket codes and PINs.

Collected from the supplier's side (its bookings), not from Tessera's vouchers, so a secret that
Tessera mislaid is still looked for.

    python -m tests.load.sandbox_secrets
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

# isort: split

from orders.models import OrderLine  # noqa: E402

# The sandbox derives what it delivers from the booking; ask it the way it answers a status call.
from sandbox.supplier import _items  # noqa: E402
from suppliers.adapters.base import RemoteState  # noqa: E402
from suppliers.models import SandboxBooking  # noqa: E402

DELIVERED = [RemoteState.ISSUED, RemoteState.ISSUE_PENDING, RemoteState.REFUNDED]


def handed_out() -> dict[str, list[str]]:
    found: dict[str, set[str]] = {"code": set(), "url": set(), "secret": set(), "pin": set()}
    bookings = SandboxBooking.objects.filter(state__in=DELIVERED)
    lines = OrderLine.objects.select_related("product").in_bulk(
        [int(booking.line_key.removeprefix("line:")) for booking in bookings]
    )
    for booking in bookings:
        line = lines[int(booking.line_key.removeprefix("line:"))]
        for item in _items(line, booking):
            for name in found:
                value = getattr(item, name, None)
                if value:
                    found[name].add(value)
    return {name: sorted(values) for name, values in found.items()}


if __name__ == "__main__":
    print(json.dumps(handed_out()))
