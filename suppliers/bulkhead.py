"""Bulkheads: at most ``Supplier.max_concurrent_calls`` calls to one supplier in flight, counted
across every worker process and machine by lease rows in the database.

Taking a slot counts the live leases first without a lock: a full bulkhead answers at once, so
hundreds of calls waiting for a slow supplier never queue on its row. Otherwise it locks the
supplier's row for one short transaction (no other lock is held then, and nothing waits on the
network inside it), counts again and adds a lease. A call gives
its lease back when it ends; a worker killed mid-call leaves it behind, and it expires after the
supplier's read timeout plus a margin, so the slot frees itself.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from suppliers.models import Supplier, SupplierCallLease

LEASE_MARGIN_SECONDS = 30


def lease_acquire(*, supplier_id: int) -> int | None:
    """A slot of the supplier's bulkhead (the lease's id), or None when all are taken."""
    now = timezone.now()
    limit = Supplier.objects.values_list("max_concurrent_calls", flat=True).get(pk=supplier_id)
    if SupplierCallLease.objects.filter(supplier_id=supplier_id, expires_at__gte=now).count() >= limit:
        return None
    with transaction.atomic():
        supplier = (
            Supplier.objects.select_for_update()
            .only("max_concurrent_calls", "read_timeout_seconds")
            .get(pk=supplier_id)
        )
        leases = SupplierCallLease.objects.filter(supplier_id=supplier_id)
        if leases.count() >= supplier.max_concurrent_calls:
            leases.filter(expires_at__lt=now).delete()  # slots of killed workers
            if leases.count() >= supplier.max_concurrent_calls:
                return None
        hold_for = timedelta(seconds=supplier.read_timeout_seconds + LEASE_MARGIN_SECONDS)
        return SupplierCallLease.objects.create(supplier_id=supplier_id, expires_at=now + hold_for).pk


def lease_release(*, lease_id: int) -> None:
    SupplierCallLease.objects.filter(pk=lease_id).delete()


def calls_in_flight(*, supplier_id: int) -> int:
    return SupplierCallLease.objects.filter(supplier_id=supplier_id, expires_at__gte=timezone.now()).count()
