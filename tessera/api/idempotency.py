"""Idempotency-Key on every write of the partner API: the HTTP side.

The first request with a key claims it before any work starts, in the store that
settings.IDEMPOTENCY_STORE names (orders.services.idempotency: the records belong to partners).
A repeat with the same method, path and body gets the first response again, marked with
``Idempotent-Replayed: true``; a repeat with anything else is 422; a repeat while the first
still runs is 409 with Retry-After. Errors of the client (4xx) are stored and replayed like
successes, except those marked retryable: those and server errors (5xx) release the key, so a
retry runs again and resumes from the real state of the order (order creation finds the order
the key already made). Keys are kept 48 hours.

The work and the stored answer commit in one transaction: a request cut off after its work (the
database restarted, the process died) has either done nothing, and its retry runs afresh, or
stored its answer, and its retry gets it. Never the work without the answer, which a retry would
meet as "this order is not PENDING any more" (found by the load suite, tests/load).
"""

import hashlib
import json
import re
from functools import cache, wraps
from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.db import transaction
from rest_framework.response import Response

from tessera.api.errors import problem_response
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.errors import IdempotencyKeyInvalid, IdempotencyKeyMissing

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
STORED_HEADERS = ("Location",)


COMPLETED = "completed"  # the state of a record whose answer is stored


@cache
def _store() -> ModuleType:
    """The module that keeps the records: ``idempotency_claim``, ``idempotency_complete`` and
    ``idempotency_release``. Named in settings, as DRF names its authentication, so the kernel
    imports no app."""
    return import_module(settings.IDEMPOTENCY_STORE)


# Visible ASCII, spaces only inside; the OpenAPI document states the same rule (partner_api.schema).
KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"


def idempotent(handler):
    """Decorate a DRF view method (post/put/patch) of the partner API."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _key_of(request)
        record = _store().idempotency_claim(
            partner=request.user.partner,
            key=key,
            endpoint=f"{request.method} {request.path}"[:300],
            request_hash=hash_body(request.data),
        )
        if record.state == COMPLETED:
            return _replay(record)
        request.idempotency_key = key
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if not _worth_another_try(response):
                    _complete(record, response)  # with the work: both commit, or neither
                    return response
        except Exception as exc:  # noqa: BLE001 - every outcome is stored or released below
            response = problem_response(exc)
        if _worth_another_try(response):
            _store().idempotency_release(record_id=record.pk)
        else:
            _complete(record, response)
        return response

    return wrapper


def _complete(record, response: Response) -> None:
    """Store the answer to replay: ``response.data``, or ``response.stored_data`` where the view
    set one (an answer holding a secret that is shown once is stored without it)."""
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    body = getattr(response, "stored_data", response.data)
    _store().idempotency_complete(
        record_id=record.pk, status=response.status_code, body=body, headers=headers
    )


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
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyInvalid(
            f"{HEADER} is {len(key)} characters long; at most {MAX_KEY_LENGTH} are allowed."
        )
    if not re.fullmatch(KEY_PATTERN, key):
        raise IdempotencyKeyInvalid(
            f"{HEADER} may hold only printable ASCII characters (space to ~), no tabs or control characters."
        )
    return key


def hash_body(data) -> str:
    """The fingerprint of a request body: the same JSON in any key order hashes the same."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record) -> Response:
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    content_type = PROBLEM_CONTENT_TYPE if record.response_status >= 400 else None
    return Response(
        record.response_body, status=record.response_status, headers=headers, content_type=content_type
    )
