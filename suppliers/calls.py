"""Every supplier call goes through ``supplier_call``: the breaker and the bulkhead (one locked
step), then the call, then the breaker hears how it went, before the call's slot is given back.

A call that may not go out now raises CallDeferred with when to try again; the caller queues
its task again for then, so a waiting call holds no worker thread.
"""

import random
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta

from django.utils import timezone

from suppliers.breaker import CallDeferred, breaker_gate, breaker_precheck, breaker_record
from suppliers.bulkhead import lease_acquire, lease_release
from suppliers.models import Supplier
from tessera.background.connections import released_while_waiting

BULKHEAD_WAIT_SECONDS = 2.0  # on average; a full bulkhead's calls are asked again 1-3 s later


def supplier_call[T](
    supplier: Supplier,
    call: Callable[[], T],
    *,
    healthy: Callable[[T], bool],
    failure_reason: Callable[[T], str],
    remote: bool = False,
) -> T:
    """Run ``call`` (which answers rather than raises, e.g. per-line results) for ``supplier``.

    ``healthy`` tells from the answer whether the supplier answered (a refusal is an answer;
    a timeout or a busy or unreachable supplier is not). With ``remote`` the thread gives back
    its database connection while it waits on the network.
    """
    breaker_precheck(supplier)
    lease = lease_acquire(supplier_id=supplier.pk, admit=breaker_gate)
    if lease is None:
        wait = BULKHEAD_WAIT_SECONDS * random.uniform(0.5, 1.5)  # noqa: S311 - spreading retries
        raise CallDeferred(
            f"{supplier}: all {supplier.max_concurrent_calls} call slots in use",
            until=timezone.now() + timedelta(seconds=wait),
        )
    try:
        with released_while_waiting() if remote else nullcontext():
            answer = call()
        ok = healthy(answer)
        # Counted while the slot is still held: the next call's gate sees this failure.
        breaker_record(supplier, healthy=ok, probe=lease.probe, reason="" if ok else failure_reason(answer))
    finally:
        lease_release(lease_id=lease.pk)
    return answer
