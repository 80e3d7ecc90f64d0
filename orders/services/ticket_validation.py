"""Checking a ticket at the door: is the QR code genuine, and is the ticket valid now?

Staff and venue scanners send the text a ticket's QR code carries (orders.ticket_signing). The
answer says genuine or not, and for a genuine ticket whether it is valid now (not refunded, not
revoked, inside its validity). It holds only what the door needs: the result, the product, the
traveller's name and the valid window; nothing of the order beyond that ticket, and nothing at
all for a payload Tessera did not sign.

Each check of a genuine ticket is recorded on its order as ``ticket_checked`` (who, when, which
voucher, the result, the correlation id), so a ticket shown at two gates leaves two entries.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import timezone

from orders import events
from orders.models import Voucher
from orders.statuses import LineStatus, VoucherStatus
from orders.ticket_signing import read_ticket_payload
from tessera.actors import Actor
from tessera.times import iso_utc_or_none

logger = logging.getLogger(__name__)


class TicketResult(StrEnum):
    VALID = "valid"
    NOT_GENUINE = "not_genuine"
    UNKNOWN = "unknown"
    REFUNDED = "refunded"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    NOT_ISSUED = "not_issued"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


MESSAGES = {
    TicketResult.VALID: "Valid: let them in.",
    TicketResult.NOT_GENUINE: "Not genuine: Tessera did not make this code, or it was altered.",
    TicketResult.UNKNOWN: "Not valid: Tessera holds no such ticket.",
    TicketResult.REFUNDED: "Not valid: this ticket was refunded.",
    TicketResult.REVOKED: "Not valid: this ticket was revoked.",
    TicketResult.SUPERSEDED: "Not valid: superseded by version {version} of the order.",
    TicketResult.NOT_ISSUED: "Not valid: this ticket is not issued.",
    TicketResult.NOT_YET_VALID: "Not valid yet: its validity has not started.",
    TicketResult.EXPIRED: "Not valid any more: its validity has ended.",
}


@dataclass(frozen=True)
class TicketCheck:
    """The answer to the door. Only a found ticket carries product, traveller and window."""

    result: TicketResult
    product: str = ""
    traveller: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    superseded_by: int | None = None

    @property
    def genuine(self) -> bool:
        return self.result != TicketResult.NOT_GENUINE

    @property
    def valid(self) -> bool:
        return self.result == TicketResult.VALID

    @property
    def message(self) -> str:
        return MESSAGES[self.result].format(version=self.superseded_by)

    def as_json(self) -> dict:
        body = {
            "result": self.result.value,
            "genuine": self.genuine,
            "valid": self.valid,
            "message": self.message,
        }
        if self.product:
            body["ticket"] = {
                "product": self.product,
                "traveller": self.traveller,
                "validFrom": iso_utc_or_none(self.valid_from),
                "validUntil": iso_utc_or_none(self.valid_until),
            }
        return body


def ticket_check(*, payload: str, actor: Actor, now: datetime | None = None) -> TicketCheck:
    """Check a scanned payload and record the check on the ticket's order."""
    signed = read_ticket_payload(payload)
    if signed is None:
        logger.warning("ticket check by %s: payload not genuine (%d characters)", actor.label, len(payload))
        return TicketCheck(TicketResult.NOT_GENUINE)
    voucher = Voucher.objects.select_related("line__traveller").filter(pk=signed.voucher_id).first()
    if voucher is None:
        logger.warning(
            "ticket check by %s: signed payload for unknown voucher %s", actor.label, signed.voucher_id
        )
        return TicketCheck(TicketResult.UNKNOWN)
    line = voucher.line
    check = TicketCheck(
        _result(voucher, now or timezone.now()),
        product=line.description,
        traveller=str(line.traveller) if line.traveller else "",
        valid_from=voucher.valid_from,
        valid_until=voucher.valid_until,
        superseded_by=line.removed_in_version if line.status == LineStatus.REMOVED else None,
    )
    events.voucher_checked(voucher, actor=actor, result=check.result.value)
    return check


def _result(voucher: Voucher, now: datetime) -> TicketResult:
    line = voucher.line
    if line.status == LineStatus.REFUNDED:
        return TicketResult.REFUNDED
    if line.status == LineStatus.REMOVED:
        return TicketResult.SUPERSEDED
    if voucher.status == VoucherStatus.REVOKED:
        return TicketResult.REVOKED
    if line.status != LineStatus.ISSUED:
        return TicketResult.NOT_ISSUED
    if voucher.valid_from and now < voucher.valid_from:
        return TicketResult.NOT_YET_VALID
    if voucher.valid_until and now >= voucher.valid_until:
        return TicketResult.EXPIRED
    return TicketResult.VALID
