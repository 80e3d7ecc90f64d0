"""A circuit breaker per supplier, its state on the Supplier row so every process sees it.

Closed: calls go out; each failure or timeout in a row counts (``breaker_failures``), a success
resets the count. When the count reaches ``breaker_failure_threshold`` the breaker opens
(``breaker_opened_at``): no call is sent, and the lines wait in the queue (they do not fail)
until ``breaker_cooldown_seconds`` have passed. Then one call, which claims ``breaker_probe_at``
on the supplier's locked row, goes out as a probe: if it succeeds the breaker closes and the
waiting lines go on; if it fails the breaker stays open for another cool-down. Whether a call may
go out is decided under the same row lock as the bulkhead's slot and as the opening
(``breaker_gate``), and a call's outcome is counted before its slot is given back, so no call
leaves once the breaker is open but the probe. Every change is audited
(suppliers.events) and logged as a WARNING.
"""

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from suppliers import events
from suppliers.models import Supplier

logger = logging.getLogger(__name__)

PROBE_STALE_SECONDS = 60  # a probe whose worker died frees the claim after this (+ read timeout)
PROBE_WAIT_SECONDS = 2.0


class CallDeferred(Exception):  # noqa: N818 - not an error: the call waits
    """The call was not sent (breaker open, or the supplier's bulkhead full): try again at ``until``."""

    def __init__(self, reason: str, *, until: datetime) -> None:
        super().__init__(reason)
        self.until = until


def breaker_precheck(supplier: Supplier) -> None:
    """Defer at once, without a query, a call whose supplier was read with its breaker cooling
    down. Only a shortcut: ``breaker_gate`` decides, on the locked row, for every call sent."""
    if supplier.breaker_opened_at is None:
        return
    reopens_at = supplier.breaker_opened_at + timedelta(seconds=supplier.breaker_cooldown_seconds)
    if timezone.now() < reopens_at:
        raise CallDeferred(f"{supplier}: breaker open", until=reopens_at + _jitter())


def breaker_gate(supplier: Supplier) -> bool:
    """Let a call through, or raise CallDeferred; True when the call is the cool-down's probe.

    ``supplier`` is the row locked by the bulkhead in the transaction that leases the call's slot
    (suppliers.bulkhead.lease_acquire), and the breaker opens under the same lock (``_fail``): a
    call either took its slot before the opening committed (it was in flight then) or sees the
    breaker open. The state a task read when it began may be stale by then, so it is never
    trusted here: not to send while open, and not to claim a probe a cool-down after an
    opening that a failed probe has since renewed.
    """
    if supplier.breaker_opened_at is None:
        return False
    now = timezone.now()
    reopens_at = supplier.breaker_opened_at + timedelta(seconds=supplier.breaker_cooldown_seconds)
    if now < reopens_at:
        raise CallDeferred(f"{supplier}: breaker open", until=reopens_at + _jitter())
    stale = now - timedelta(seconds=PROBE_STALE_SECONDS + supplier.read_timeout_seconds)
    if supplier.breaker_probe_at is not None and supplier.breaker_probe_at >= stale:
        raise CallDeferred(
            f"{supplier}: breaker open, a probe is in flight", until=now + _jitter(PROBE_WAIT_SECONDS)
        )
    supplier.breaker_probe_at = now
    supplier.save(update_fields=["breaker_probe_at"])
    logger.warning("supplier %s: breaker half-open, sending a probe call", supplier.slug)
    return True


def breaker_record(supplier: Supplier, *, healthy: bool, probe: bool, reason: str = "") -> None:
    """Count the outcome of a call that was sent: a failure or a timeout, or an answer.
    ``probe``: the call was the cool-down's probe (``breaker_gate`` said so)."""
    if healthy:
        if probe or supplier.breaker_failures or supplier.breaker_opened_at is not None:
            _close(supplier.pk)
        return
    _fail(supplier.pk, reason, probe=probe)


def _fail(supplier_id: int, reason: str, *, probe: bool) -> None:
    now = timezone.now()
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
        supplier.breaker_failures += 1
        if supplier.breaker_opened_at is not None:
            if not probe:  # a call in flight when the breaker opened: the cool-down stands
                supplier.save(update_fields=["breaker_failures"])
                return
            # The probe failed: another cool-down.
            supplier.breaker_opened_at = now
            supplier.breaker_probe_at = None
            supplier.save(update_fields=["breaker_failures", "breaker_opened_at", "breaker_probe_at"])
            events.breaker_reopened(supplier_id=supplier_id, reason=reason)
            logger.warning(
                "supplier %s: probe failed (%s); breaker stays OPEN for %ss",
                supplier.slug,
                reason,
                supplier.breaker_cooldown_seconds,
            )
            return
        if supplier.breaker_failures < supplier.breaker_failure_threshold:
            supplier.save(update_fields=["breaker_failures"])
            return
        supplier.breaker_opened_at = now
        supplier.breaker_probe_at = None
        supplier.save(update_fields=["breaker_failures", "breaker_opened_at", "breaker_probe_at"])
        events.breaker_opened(supplier_id=supplier_id, failures=supplier.breaker_failures, reason=reason)
    logger.warning(
        "supplier %s: breaker OPEN after %d failures in a row (%s); calls stop, lines wait, probe in %ss",
        supplier.slug,
        supplier.breaker_failures,
        reason,
        supplier.breaker_cooldown_seconds,
    )


def _close(supplier_id: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
        opened_at = supplier.breaker_opened_at
        supplier.breaker_failures = 0
        supplier.breaker_opened_at = None
        supplier.breaker_probe_at = None
        supplier.save(update_fields=["breaker_failures", "breaker_opened_at", "breaker_probe_at"])
        if opened_at is None:
            return
        events.breaker_closed(supplier_id=supplier_id, open_seconds=(now - opened_at).total_seconds())
    logger.warning("supplier %s: breaker CLOSED, the supplier answers again", supplier.slug)


def _jitter(base: float = 0.0) -> timedelta:
    return timedelta(seconds=base + random.uniform(0, 1))  # noqa: S311 - spreading retries
