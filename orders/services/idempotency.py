"""Partners' Idempotency-Keys: claimed before a write runs, completed with its answer after.

A key is scoped to the partner and kept for RETENTION (48 hours), then pruned. A claim left
IN_PROGRESS by a crashed process can be taken over once its LEASE ends. The HTTP side (the
header, the body's hash, replaying a stored answer) is tessera.api.idempotency.
"""

from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orders.locks import lock_idempotency_record
from orders.models import IdempotencyRecord, IdempotencyState, Partner
from tessera.errors import IdempotencyKeyInUse, IdempotencyKeyReused

LEASE = timedelta(seconds=60)
RETENTION = timedelta(hours=48)
CLAIM_ATTEMPTS = 3


def idempotency_claim(*, partner: Partner, key: str, endpoint: str, request_hash: str) -> IdempotencyRecord:
    """Claim ``key`` for this request, or return its COMPLETED record for a replay.

    Raises IdempotencyKeyReused when the key was first used for another endpoint or body, and
    IdempotencyKeyInUse while the first request with it still runs.
    """
    now = timezone.now()
    fresh = {
        "endpoint": endpoint,
        "request_hash": request_hash,
        "state": IdempotencyState.IN_PROGRESS,
        "locked_until": now + LEASE,
        "response_status": None,
        "response_body": None,
        "response_headers": {},
    }
    for _ in range(CLAIM_ATTEMPTS):
        claimed = _create_unless_taken(partner=partner, key=key, **fresh)
        if claimed is not None:
            return claimed
        with transaction.atomic():
            record = lock_idempotency_record(partner=partner, key=key)
            if record is not None:
                return _claim_existing(record, fresh, now)
        # The first request released its key (a server error) in between: claim it afresh.
    raise IdempotencyKeyInUse("The first request with this key is still running.")


def _create_unless_taken(**values) -> IdempotencyRecord | None:
    """A new record, or None when the partner's key is taken. Outside a transaction the INSERT
    commits by itself (the claim must be visible to a concurrent repeat at once); inside one,
    a savepoint keeps a taken key from breaking the caller's transaction."""
    try:
        if not connection.in_atomic_block:
            return IdempotencyRecord.objects.create(**values)
        with transaction.atomic():
            return IdempotencyRecord.objects.create(**values)
    except IntegrityError:
        return None


def _claim_existing(record: IdempotencyRecord, fresh: dict, now) -> IdempotencyRecord:
    """What a repeat of a claimed key gets; the caller holds the record's row lock."""
    if record.created_at < now - RETENTION:
        for name, value in fresh.items():
            setattr(record, name, value)
        record.created_at = now
        record.save()
        return record
    if (record.endpoint, record.request_hash) != (fresh["endpoint"], fresh["request_hash"]):
        raise IdempotencyKeyReused(
            f"This Idempotency-Key was first used for {record.endpoint} with another body.",
            first_used_for=record.endpoint,
        )
    if record.state == IdempotencyState.COMPLETED:
        return record
    if record.locked_until > now:
        raise IdempotencyKeyInUse("The first request with this key is still running.")
    record.locked_until = now + LEASE
    record.save(update_fields=["locked_until"])
    return record


def idempotency_complete(*, record_id: int, status: int, body, headers: dict) -> None:
    """Store the answer that every repeat of the key will get."""
    IdempotencyRecord.objects.filter(pk=record_id).update(
        state=IdempotencyState.COMPLETED, response_status=status, response_body=body, response_headers=headers
    )


def idempotency_release(*, record_id: int) -> None:
    """Forget a claim whose request should run again when retried with the same key."""
    IdempotencyRecord.objects.filter(pk=record_id).delete()


def idempotency_prune() -> int:
    """Forget keys older than RETENTION; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return deleted
