"""Bulkheads: at most ``Supplier.max_concurrent_calls`` calls to one supplier in flight, counted
across every worker process and machine by lease rows in the database.

Taking a slot counts the live leases first without a lock: a full bulkhead answers at once, so
hundreds of calls waiting for a slow supplier never queue on its row. Otherwise it locks the
supplier's row for one short transaction (no other lock is held then, and nothing waits on the
network inside it), counts again and adds a lease. A call gives
its lease back when it ends; a worker killed mid-call leaves it behind, and it expires after the
supplier's read timeout plus a margin, so the slot frees itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from suppliers.models import Supplier, SupplierCallLease

LEASE_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class Lease:
    pk: int
    probe: bool = False  # the call is its breaker's probe (suppliers.breaker.breaker_gate)


def lease_acquire(*, supplier_id: int, admit: Callable[[Supplier], bool] | None = None) -> Lease | None:
    """A slot of the supplier's bulkhead, or None when all are taken.

    ``admit`` is asked on the supplier's locked row once a slot is free, before it is taken (the
    breaker's gate): it may raise to keep the call back, and says whether the call is a probe.
    """
    now = timezone.now()
    limit = Supplier.objects.values_list("max_concurrent_calls", flat=True).get(pk=supplier_id)
    if SupplierCallLease.objects.filter(supplier_id=supplier_id, expires_at__gte=now).count() >= limit:
        return None
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
        leases = SupplierCallLease.objects.filter(supplier_id=supplier_id)
        if leases.count() >= supplier.max_concurrent_calls:
            leases.filter(expires_at__lt=now).delete()  # slots of killed workers
            if leases.count() >= supplier.max_concurrent_calls:
                return None
        probe = admit(supplier) if admit is not None else False
        hold_for = timedelta(seconds=supplier.read_timeout_seconds + LEASE_MARGIN_SECONDS)
        lease = SupplierCallLease.objects.create(supplier_id=supplier_id, expires_at=now + hold_for)
        return Lease(lease.pk, probe)


def lease_release(*, lease_id: int) -> None:
    SupplierCallLease.objects.filter(pk=lease_id).delete()


def calls_in_flight(*, supplier_id: int) -> int:
    return SupplierCallLease.objects.filter(supplier_id=supplier_id, expires_at__gte=timezone.now()).count()
