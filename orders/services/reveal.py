"""Who may see a voucher's secrets, and the audit of every time someone does.

Every path that shows a code, PIN or link to a person comes through here:

* the partner API (``order_vouchers_for_partner``): only the order's partner;
* the admin (``reveal_for_staff``): only active staff with the ``orders.reveal_voucher``
  permission; they also see the supplier secret;
* the customer's pages (payments.services.checkout.tickets_reveal): once the order is paid.

Whoever asks, secrets open only for a delivered line (ISSUED) whose voucher is ACTIVE; a revoked
voucher shows its state and why, never its secrets. Each voucher revealed writes one
``voucher_revealed`` OrderEvent: who (the actor), when, which voucher (subject), through which
channel, which fields, and the correlation id; never a secret. Everywhere else a code appears
masked (orders.vouchers.mask_code).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch

from orders import events
from orders.errors import OrderNotFound, VoucherNotFound, VoucherNotRevealable
from orders.models import Order, OrderEvent, OrderLine, Voucher
from orders.statuses import LineStatus, VoucherStatus
from orders.vouchers import CUSTOMER_FIELDS, SEALED_FIELDS, voucher_of, voucher_secret
from tessera.actors import Actor

logger = logging.getLogger(__name__)

REVEAL_PERMISSION = "orders.reveal_voucher"
API = "api"
ADMIN = "admin"
CUSTOMER_PAGE = "customer_page"


@dataclass(frozen=True)
class Revealed:
    """A voucher's opened secrets; ``None`` where the supplier delivered no such value."""

    voucher: Voucher
    secrets: dict[str, str | None]

    def __repr__(self) -> str:
        return f"Revealed(voucher={self.voucher.pk}, fields={sorted(self.secrets)})"


@dataclass(frozen=True)
class LineVouchers:
    """One line as its partner sees it: its voucher (if delivered) and secrets (if revealable)."""

    line: OrderLine
    voucher: Voucher | None
    secrets: dict[str, str | None] | None = field(default=None, repr=False)


def is_revealable(voucher: Voucher) -> bool:
    """A voucher's secrets may be shown: its line is delivered (ISSUED) and it is not revoked."""
    return voucher.line.status == LineStatus.ISSUED and voucher.status == VoucherStatus.ACTIVE


def vouchers_reveal(
    *,
    vouchers: Sequence[Voucher],
    actor: Actor,
    channel: str,
    fields: Sequence[str] = CUSTOMER_FIELDS,
) -> list[Revealed]:
    """Open ``fields`` of revealable vouchers (their ``line`` loaded) and audit each one.

    The caller has decided ``actor`` may see them; this refuses any voucher that is not
    revealable, and writes the audit events in the same transaction as it opens the values.
    """
    refused = [voucher for voucher in vouchers if not is_revealable(voucher)]
    if refused:
        raise VoucherNotRevealable(_why_not(refused[0]), voucher_id=str(refused[0].pk))
    if not vouchers:
        return []
    with transaction.atomic():
        revealed = [
            Revealed(voucher, {name: voucher_secret(voucher, name) for name in fields})
            for voucher in vouchers
        ]
        OrderEvent.objects.bulk_create(
            [
                events.voucher_revealed(voucher, actor=actor, channel=channel, fields=fields)
                for voucher in vouchers
            ]
        )
    return revealed


def order_vouchers_for_partner(*, partner_id: int, order_id, actor: Actor) -> list[LineVouchers]:
    """Every line of the partner's order with its voucher; secrets for the revealable ones.

    Another partner's order is not found, exactly like an order that does not exist.
    """
    order = (
        Order.objects.filter(pk=order_id, partner_id=partner_id)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product", "voucher").order_by("position"),
            )
        )
        .first()
    )
    if order is None:
        raise OrderNotFound("No such order.")
    lines = list(order.lines.all())
    delivered = {line.pk: voucher_of(line) for line in lines}
    revealed = {
        item.voucher.pk: item.secrets
        for item in vouchers_reveal(
            vouchers=[v for v in delivered.values() if v is not None and is_revealable(v)],
            actor=actor,
            channel=API,
        )
    }
    return [
        LineVouchers(line, voucher, revealed.get(voucher.pk) if voucher else None)
        for line, voucher in ((line, delivered[line.pk]) for line in lines)
    ]


def reveal_for_staff(*, voucher_id, user) -> Revealed:
    """Open every secret of one voucher for a staff user allowed to see it (audited).

    Raises PermissionDenied for anyone else (the refusal is audited too), VoucherNotFound, or
    VoucherNotRevealable for an undelivered line or a revoked voucher.
    """
    voucher = Voucher.objects.select_related("line").filter(pk=voucher_id).first()
    if voucher is None:
        raise VoucherNotFound("No such voucher.", voucher_id=str(voucher_id))
    allowed = user.is_active and user.is_staff and user.has_perm(REVEAL_PERMISSION)
    if not allowed:
        events.voucher_reveal_refused(voucher, actor=Actor.staff(user), channel=ADMIN, reason="no permission")
        logger.warning("user %s may not reveal voucher %s", user.pk, voucher.pk)
        raise PermissionDenied("Revealing voucher codes needs the “reveal voucher” permission.")
    (revealed,) = vouchers_reveal(
        vouchers=[voucher], actor=Actor.staff(user), channel=ADMIN, fields=SEALED_FIELDS
    )
    return revealed


def _why_not(voucher: Voucher) -> str:
    if voucher.status == VoucherStatus.REVOKED:
        return "This voucher was revoked; its secrets are no longer shown."
    return f"The line is {voucher.line.status}, not delivered; its voucher cannot be shown."
