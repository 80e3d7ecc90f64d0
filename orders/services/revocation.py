"""Revoking vouchers: a revoked voucher stays on record but is never revealed or honoured again.

Staff revoke one (a code reported stolen, a supplier cancelling it); refunding a line revokes its
voucher, since the money went back. Each revocation is one audited transition.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from orders.errors import VoucherNotFound
from orders.events import apply_transition
from orders.locks import lock_lines, lock_order, lock_vouchers
from orders.models import OrderLine, Voucher
from orders.statuses import VoucherStatus
from tessera.actors import Actor
from tessera.reasons import required_reason


def voucher_revoke(*, voucher_id, reason: str, actor: Actor) -> Voucher:
    """Revoke one voucher. Revoking a revoked voucher changes nothing (safe to repeat)."""
    reason = required_reason(reason, missing="Say why the voucher is revoked.")
    with transaction.atomic():
        order_id = Voucher.objects.filter(pk=voucher_id).values_list("line__order_id", flat=True).first()
        if order_id is None:
            raise VoucherNotFound("No such voucher.", voucher_id=str(voucher_id))
        order = lock_order(order_id)
        lines = lock_lines(order)
        (voucher,) = (v for v in lock_vouchers(lines) if str(v.pk) == str(voucher_id))
        _revoke(voucher, reason=reason, actor=actor)
        return voucher


def vouchers_revoke_for_lines(*, lines: Iterable[OrderLine], reason: str, actor: Actor) -> list[Voucher]:
    """Revoke the ACTIVE vouchers of ``lines``, whose order and lines the caller has locked."""
    revoked = []
    for voucher in lock_vouchers(lines):
        if _revoke(voucher, reason=reason, actor=actor):
            revoked.append(voucher)
    return revoked


def _revoke(voucher: Voucher, *, reason: str, actor: Actor) -> bool:
    if voucher.status != VoucherStatus.ACTIVE:
        return False
    apply_transition(
        voucher,
        "revoke",
        actor=actor,
        reason=reason,
        at=timezone.now(),
        payload={"line": voucher.line.position, "reason": reason},
    )
    return True
