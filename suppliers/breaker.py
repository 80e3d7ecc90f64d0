"""A circuit breaker per supplier, its state on the Supplier row so every process sees it.

Closed: calls go out; each failure or timeout in a row counts (``breaker_failures``), a success
resets the count. When the count reaches ``breaker_failure_threshold`` the breaker opens
(``breaker_opened_at``): no call is sent, and the lines wait in the queue (they do not fail)
until ``breaker_cooldown_seconds`` have passed. Then one call, claimed by a conditional UPDATE
of ``breaker_probe_at``, goes out as a probe: if it succeeds the breaker closes and the waiting
lines go on; if it fails the breaker stays open for another cool-down. Every change is audited
(suppliers.events) and logged as a WARNING.
"""

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
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


def breaker_admit(supplier: Supplier) -> None:
    """Let a call through, or raise CallDeferred. ``supplier`` as read when the task began."""
    if supplier.breaker_opened_at is None:
        return
    now = timezone.now()
    reopens_at = supplier.breaker_opened_at + timedelta(seconds=supplier.breaker_cooldown_seconds)
    if now < reopens_at:
        raise CallDeferred(f"{supplier}: breaker open", until=reopens_at + _jitter())
    stale = now - timedelta(seconds=PROBE_STALE_SECONDS + supplier.read_timeout_seconds)
    claimed = (
        Supplier.objects.filter(pk=supplier.pk, breaker_opened_at__isnull=False)
        .filter(Q(breaker_probe_at__isnull=True) | Q(breaker_probe_at__lt=stale))
        .update(breaker_probe_at=now)
    )
    if not claimed:
        raise CallDeferred(
            f"{supplier}: breaker open, a probe is in flight", until=now + _jitter(PROBE_WAIT_SECONDS)
        )
    logger.warning("supplier %s: breaker half-open, sending a probe call", supplier.slug)


def breaker_record(supplier: Supplier, *, healthy: bool, reason: str = "") -> None:
    """Count the outcome of a call that was sent: a failure or a timeout, or an answer."""
    if healthy:
        if supplier.breaker_failures or supplier.breaker_opened_at is not None:
            _close(supplier.pk)
        return
    _fail(supplier.pk, reason)


def _fail(supplier_id: int, reason: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
        supplier.breaker_failures += 1
        if supplier.breaker_opened_at is not None:
            # A probe (or a call sent before the breaker opened) failed: another cool-down.
            if supplier.breaker_probe_at is None:
                supplier.save(update_fields=["breaker_failures"])
                return
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
