"""Idempotency-Key on every write of the partner API.

The first request with a key claims it (an IN_PROGRESS row, committed before any work starts).
A repeat with the same method, path and body gets the first response again, marked with
``Idempotent-Replayed: true``; a repeat with anything else is 422; a repeat while the first
still runs is 409 with Retry-After. Errors of the client (4xx) are stored and replayed like
successes, except those marked retryable: those and server errors (5xx) release the key, so a
retry runs again and resumes from the real state of the order (order creation finds the order
the key already made).

A claim left IN_PROGRESS by a crashed process can be taken over once its lease ends. Keys are
scoped to the partner and kept for RETENTION (48 hours), then pruned.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from orders.models import IdempotencyRecord, IdempotencyState
from tessera.api.errors import problem_response
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.errors import TesseraError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
LEASE = timedelta(seconds=60)
RETENTION = timedelta(hours=48)
MAX_KEY_LENGTH = 255
STORED_HEADERS = ("Location",)


class IdempotencyKeyMissing(TesseraError):
    code = "IDEMPOTENCY_KEY_MISSING"
    fault = "client"
    http_status = 400
    suggested_action = "Send a unique Idempotency-Key header (for example a UUID) with this request."


class IdempotencyKeyReused(TesseraError):
    code = "IDEMPOTENCY_KEY_REUSED"
    fault = "client"
    http_status = 422
    suggested_action = "Use a new Idempotency-Key for a different request."


class IdempotencyKeyInUse(TesseraError):
    code = "IDEMPOTENCY_KEY_IN_USE"
    fault = "client"
    retryable = True
    http_status = 409
    suggested_action = "Retry after Retry-After seconds with the same Idempotency-Key."
    retry_after = 1


def idempotent(handler):
    """Decorate a DRF view method (post/put/patch) of the partner API."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _key_of(request)
        endpoint = f"{request.method} {request.path}"[:300]
        record, replay = _claim(request.user.partner, key, endpoint, _hash_body(request.data))
        if replay is not None:
            return replay
        request.idempotency_key = key
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every outcome is stored or released below
            response = problem_response(exc)
        if _worth_another_try(response):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        else:
            _complete(record, response)
        return response

    return wrapper


def _worth_another_try(response: Response) -> bool:
    """Server errors and problems marked retryable (lines not yet reserved, balance too low)
    are not stored: a retry with the same key runs again once the cause is gone."""
    if response.status_code >= 500:
        return True
    return (
        response.status_code >= 400
        and isinstance(response.data, dict)
        and response.data.get("retryable") is True
    )


def _key_of(request) -> str:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        raise IdempotencyKeyMissing(f"{HEADER} header is required on this request.")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyMissing(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return key


def _hash_body(data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(partner, key: str, endpoint: str, request_hash: str) -> tuple[IdempotencyRecord, Response | None]:
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
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(partner=partner, key=key, **fresh), None
        except IntegrityError:
            pass
        with transaction.atomic():
            record = IdempotencyRecord.objects.select_for_update().filter(partner=partner, key=key).first()
            if record is not None:
                return _existing(record, fresh, endpoint, request_hash, now)
        # The first request released its key (a server error) in between: claim it afresh.
    raise IdempotencyKeyInUse("The first request with this key is still running.")


def _existing(record: IdempotencyRecord, fresh: dict, endpoint: str, request_hash: str, now):
    """What a repeat of a claimed key gets; the caller holds the record's row lock."""
    if record.created_at < now - RETENTION:
        return _reset(record, fresh, now), None
    if (record.endpoint, record.request_hash) != (endpoint, request_hash):
        raise IdempotencyKeyReused(
            f"This {HEADER} was first used for {record.endpoint} with another body.",
            first_used_for=record.endpoint,
        )
    if record.state == IdempotencyState.COMPLETED:
        return record, _replay(record)
    if record.locked_until > now:
        raise IdempotencyKeyInUse("The first request with this key is still running.")
    record.locked_until = now + LEASE
    record.save(update_fields=["locked_until"])
    return record, None


def _reset(record: IdempotencyRecord, fresh: dict, now) -> IdempotencyRecord:
    for name, value in fresh.items():
        setattr(record, name, value)
    record.created_at = now
    record.save()
    return record


def _complete(record: IdempotencyRecord, response: Response) -> None:
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyState.COMPLETED,
        response_status=response.status_code,
        response_body=response.data,
        response_headers=headers,
    )


def _replay(record: IdempotencyRecord) -> Response:
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    content_type = PROBLEM_CONTENT_TYPE if record.response_status >= 400 else None
    return Response(
        record.response_body, status=record.response_status, headers=headers, content_type=content_type
    )


def prune_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return deleted
