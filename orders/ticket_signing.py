"""What a ticket's QR code carries: a short text Tessera signed, so a forged code is recognizable.

    TQ1.<voucher id>.<valid until>.<signature>

``voucher id`` is the voucher's UUID as 32 hex digits, ``valid until`` the end of its validity
in Unix seconds (0 when it has none), ``signature`` the base64url HMAC-SHA256 (no padding) of
everything before it, under settings.TICKET_SIGNING_KEY. The payload names the ticket, nothing
more: no code, PIN or name, so a photo of the QR gives away nothing that can be redeemed
elsewhere, and the door learns whether it is valid by asking Tessera (orders.ticket_validation),
which knows about revocations and refunds that happen after printing.
"""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from orders.models import Voucher

VERSION = "TQ1"
MAX_PAYLOAD_LENGTH = 120
_SIGNATURE_LENGTH = 43  # 32 bytes in unpadded base64url


@dataclass(frozen=True)
class SignedTicket:
    """A payload whose signature checked out: it was made by Tessera, for this voucher."""

    voucher_id: uuid.UUID
    valid_until: datetime | None


def ticket_payload(voucher: Voucher) -> str:
    """The signed text to put in the voucher's QR code."""
    until = int(voucher.valid_until.timestamp()) if voucher.valid_until else 0
    body = f"{VERSION}.{voucher.pk.hex}.{until}"
    return f"{body}.{_sign(body)}"


def read_ticket_payload(payload: str) -> SignedTicket | None:
    """The ticket a payload names if Tessera signed it; None for anything forged or malformed."""
    text = payload.strip()
    if len(text) > MAX_PAYLOAD_LENGTH:
        return None
    body, _, signature = text.rpartition(".")
    if len(signature) != _SIGNATURE_LENGTH or not hmac.compare_digest(signature, _sign(body)):
        return None
    version, voucher_hex, until = (body.split(".") + ["", "", ""])[:3]
    if version != VERSION or body.count(".") != 2 or not until.isdecimal():
        return None
    try:
        voucher_id = uuid.UUID(hex=voucher_hex)
    except ValueError:
        return None
    seconds = int(until)
    return SignedTicket(voucher_id, datetime.fromtimestamp(seconds, tz=UTC) if seconds else None)


def _sign(body: str) -> str:
    mac = hmac.new(settings.TICKET_SIGNING_KEY.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
