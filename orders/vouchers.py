"""Storing what a supplier delivered for a line, sealed; and masking what is shown elsewhere.

Each secret is sealed with its own random nonce under the newest key, and bound to its row and
field by the associated data ``voucher:<voucher id>:<field>`` (tessera.sealing.row_seal).
``code_digest`` keeps a keyed hash of the code (tessera.sealing.digest) for lookups, never the code.
"""

import logging

from django.utils import timezone

from orders.models import OrderLine, Voucher
from suppliers.adapters.base import DeliveredItem
from tessera import sealing

logger = logging.getLogger(__name__)

SEALED_FIELDS = ("code", "pin", "url", "supplier_secret")
# What partners and customers may be shown of a delivered voucher; the supplier secret is for staff.
CUSTOMER_FIELDS = ("code", "pin", "url")

_ITEM_ATTRIBUTES = {"code": "code", "pin": "pin", "url": "url", "supplier_secret": "secret"}

MASK = "••••••"
UNREADABLE = "(sealed value does not open)"
MASK_SHOWS_LAST = 4
# A code shows its last characters only when enough stay hidden that they cannot be guessed.
MASK_MIN_HIDDEN = 8


BINDING = "voucher"


def voucher_of(line: OrderLine) -> Voucher | None:
    """The line's voucher, None before delivery (load ``voucher`` with the line to save a query)."""
    try:
        return line.voucher
    except Voucher.DoesNotExist:
        return None


def voucher_store(*, line: OrderLine, item: DeliveredItem) -> Voucher:
    """Create the line's voucher; the caller holds the order's lock (one voucher per line)."""
    voucher = Voucher(
        line=line,
        kind=item.kind,
        delivery_mode=line.product.delivery_mode,
        collection_reference=item.collection_reference,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        delivered_at=timezone.now(),
        key_id=sealing.current_key_id(),
        code_digest=sealing.digest(item.code) if item.code else "",
    )
    for field in SEALED_FIELDS:
        value = getattr(item, _ITEM_ATTRIBUTES[field])
        sealing.row_seal(voucher, field, value, binding=BINDING, key_id=voucher.key_id)
    voucher.save()
    return voucher


def voucher_secret(voucher: Voucher, field: str) -> str | None:
    """Open one sealed field. Only orders.services.reveal calls this for people to see a value:
    it decides who may, and audits it."""
    return sealing.row_unseal(voucher, field, binding=BINDING)


def voucher_reseal(voucher: Voucher, *, key_id: str) -> None:
    """Seal every secret of a locked voucher again under ``key_id`` (a rotation); the caller saves."""
    sealing.row_reseal(voucher, SEALED_FIELDS, binding=BINDING, key_id=key_id)


def mask_code(code: str | None) -> str:
    """What may be shown of a code where it is not revealed: at most its last 4 characters.

    "••••••1234" for a code with at least 8 other characters, else "••••••": a support agent can
    tell codes apart ("the one ending 1234") but nobody can redeem or guess one from it. The mask
    has a fixed length, so it does not tell the code's length either.
    """
    if not code:
        return ""
    significant = sealing.normalize_code(code)
    if len(significant) - MASK_SHOWS_LAST < MASK_MIN_HIDDEN:
        return MASK
    return MASK + significant[-MASK_SHOWS_LAST:]


def voucher_masked_code(voucher: Voucher) -> str:
    """The voucher's code masked (see mask_code), for list and detail pages that do not reveal.

    A value that does not open (tampered, or its key gone) shows as such instead of breaking the
    page it is on; the reveal service refuses it loudly.
    """
    try:
        return mask_code(voucher_secret(voucher, "code"))
    except sealing.SealError:
        logger.warning("the code of voucher %s does not open", voucher.pk)
        return UNREADABLE
