"""The error catalog: every error the API can answer with is a class, and says everything once.

A subclass of ``TesseraError`` that sets its own ``code`` is that code's one entry in the catalog:
it carries the ``title`` (a fixed summary), the HTTP status, who is at ``fault`` (client, supplier
or server), whether retrying is safe, and the ``suggested_action``. The problem+json bodies
(tessera.api.problems), the OpenAPI description (partner_api.schema) and docs/api.md's table
(``make catalogs``) are made from these classes. A subclass without a code of its
own is a narrower Python type of the same entry and may not change any of that.

The kernel keeps the generic errors and those of HTTP itself; an app's errors live in its
``errors.py``, which ``error_catalog()`` finds by autodiscovery. Services raise them before
writing anything, or inside ``transaction.atomic()`` so nothing is half-written.
"""

from typing import ClassVar

from django.db import InterfaceError, OperationalError
from django.utils.module_loading import autodiscover_modules

# The database is restarting, unreachable, or broke the connection mid-operation (OperationalError
# also covers deadlocks and serialization failures): the same work may well succeed shortly. The
# API answers 503 (ServiceUnavailable); a worker waits and starts its loop again (db_worker).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

FAULTS = ("client", "supplier", "server")
_ENTRY_ATTRIBUTES = ("title", "http_status", "fault", "retryable", "suggested_action")
_catalog: dict[str, type["TesseraError"]] = {}


class TesseraError(Exception):
    code: ClassVar[str] = ""
    title: ClassVar[str] = ""
    http_status: ClassVar[int] = 500
    fault: ClassVar[str] = "server"
    retryable: ClassVar[bool] = False
    suggested_action: ClassVar[str] = ""
    retry_after: ClassVar[int | None] = None  # seconds, sent as Retry-After

    def __init__(self, detail: str = "", **context: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if "code" not in own:
            changed = [name for name in _ENTRY_ATTRIBUTES if name in own]
            if changed:
                raise TypeError(f"{cls.__qualname__} shares {cls.code or 'no'} code but changes {changed}")
            return
        if cls.code in _catalog:
            raise TypeError(f"{cls.code} is already the code of {_catalog[cls.code].__qualname__}")
        if not (own.get("title") and own.get("suggested_action")):
            raise TypeError(
                f"{cls.__qualname__} ({cls.code}) needs a title and a suggested_action of its own"
            )
        if cls.fault not in FAULTS:
            raise TypeError(f"{cls.__qualname__}.fault must be one of {FAULTS}")
        _catalog[cls.code] = cls


def error_catalog() -> dict[str, type[TesseraError]]:
    """Every error code and its class, by HTTP status then code (imports each app's errors.py)."""
    autodiscover_modules("errors")
    return dict(sorted(_catalog.items(), key=lambda item: (item[1].http_status, item[0])))


# --- generic refusals, subclassed by the apps --------------------------------------------------


class InvalidInput(TesseraError):
    code = "VALIDATION_FAILED"
    title = "The request is not valid"
    http_status = 400
    fault = "client"
    suggested_action = (
        "Correct the fields named in errors (or in detail, for example an expectedTotal that is not "
        "an exact amount), then send the request with a new Idempotency-Key."
    )


class NotFound(TesseraError):
    code = "NOT_FOUND"
    title = "Not found"
    http_status = 404
    fault = "client"
    suggested_action = "Check the path and the id: nothing exists there, and you see only your own data."


class InvalidState(TesseraError):
    """The object is not in a state that allows this operation."""

    code = "INVALID_STATE"
    title = "The order is not in a state that allows this"
    http_status = 409
    fault = "client"
    suggested_action = (
        "The status of the order (or of its line, payment or refund) does not allow this. "
        "Read its status and availableActions."
    )


# --- the API's own refusals ---------------------------------------------------------------------


class MalformedRequest(TesseraError):
    code = "MALFORMED_REQUEST"
    title = "The request body could not be read"
    http_status = 400
    fault = "client"
    suggested_action = "Send a UTF-8 JSON object, nested at most 32 levels deep."


class QueryTooLong(TesseraError):
    code = "QUERY_TOO_LONG"
    title = "The query string is too long"
    http_status = 400
    fault = "client"
    suggested_action = (
        "Keep the query string under 8000 characters: split a long `in:` list over several requests."
    )


class IdempotencyKeyMissing(TesseraError):
    code = "IDEMPOTENCY_KEY_MISSING"
    title = "Idempotency-Key header is required"
    http_status = 400
    fault = "client"
    suggested_action = (
        "Add an Idempotency-Key header (1 to 255 printable ASCII characters, for example a UUID) to "
        "the POST, PUT or PATCH."
    )


class IdempotencyKeyInvalid(TesseraError):
    code = "IDEMPOTENCY_KEY_INVALID"
    title = "Idempotency-Key header is not valid"
    http_status = 400
    fault = "client"
    suggested_action = (
        "The Idempotency-Key you sent is longer than 255 characters or holds a tab, control "
        "character or non-ASCII letter: send 1 to 255 printable ASCII characters, for example a UUID."
    )


class ClientNameInvalid(TesseraError):
    code = "CLIENT_NAME_INVALID"
    title = "X-Client-Name header is not valid"
    http_status = 400
    fault = "client"
    suggested_action = "Send X-Client-Name as at most 100 printable ASCII characters, or leave it out."


class CallbackInvalid(TesseraError):
    code = "CALLBACK_INVALID"
    title = "The callback's signature or body does not check out"
    http_status = 400
    fault = "client"
    suggested_action = (
        "For payment providers only: send the event as the provider signs it, the exact body with "
        "a current timestamp; it was not applied."
    )


class InvalidFilter(InvalidInput):
    code = "INVALID_FILTER"
    title = "A filter, operator or value is not valid"
    suggested_action = (
        "Fix the query parameters named in errors: an unknown name, an operator the filter does not "
        "take (eq ne gt gte lt lte in nin), a bad value, paging or ordering."
    )


class Unauthenticated(TesseraError):
    code = "UNAUTHENTICATED"
    title = "A valid API key is required"
    http_status = 401
    fault = "client"
    suggested_action = "Send Authorization: Bearer <api key> with a key that has not been revoked."


class NotPermitted(TesseraError):
    code = "PERMISSION_DENIED"
    title = "Not allowed"
    http_status = 403
    fault = "client"
    suggested_action = "This key may not do this. Contact Tessera if you think it should."


class MethodNotAllowed(TesseraError):
    code = "METHOD_NOT_ALLOWED"
    title = "Method not allowed"
    http_status = 405
    fault = "client"
    suggested_action = "Use a method this path supports (see the Allow header)."


class NotAcceptable(TesseraError):
    code = "NOT_ACCEPTABLE"
    title = "Cannot answer in the requested format"
    http_status = 406
    fault = "client"
    suggested_action = "Accept application/json, or send no Accept header."


class IdempotencyKeyInUse(TesseraError):
    code = "IDEMPOTENCY_KEY_IN_USE"
    title = "A request with this Idempotency-Key is still running"
    http_status = 409
    fault = "client"
    retryable = True
    suggested_action = (
        "Your first request with this key is still running. Wait Retry-After seconds and retry with "
        "the same key."
    )
    retry_after = 1


class PayloadTooLarge(TesseraError):
    code = "PAYLOAD_TOO_LARGE"
    title = "The request body is too large"
    http_status = 413
    fault = "client"
    suggested_action = "Keep the body under 1 MiB."


class UnsupportedMediaType(TesseraError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    title = "Send application/json"
    http_status = 415
    fault = "client"
    suggested_action = "Send Content-Type: application/json."


class IdempotencyKeyReused(TesseraError):
    code = "IDEMPOTENCY_KEY_REUSED"
    title = "This Idempotency-Key was used for another request"
    http_status = 422
    fault = "client"
    suggested_action = (
        "This key was used for another request (context.firstUsedFor). Use a new key for a new request."
    )


class RateLimited(TesseraError):
    code = "RATE_LIMITED"
    title = "Too many requests"
    http_status = 429
    fault = "client"
    retryable = True
    suggested_action = "Wait Retry-After seconds, then retry with the same Idempotency-Key."


class InternalError(TesseraError):
    code = "INTERNAL_ERROR"
    title = "Something went wrong on our side"
    http_status = 500
    fault = "server"
    retryable = True
    suggested_action = (
        "Retry with the same Idempotency-Key and back off: the request either had no effect or will "
        "resume. Quote the correlationId if it persists."
    )


class ServiceUnavailable(TesseraError):
    code = "SERVICE_UNAVAILABLE"
    title = "The service is briefly unavailable"
    http_status = 503
    fault = "server"
    retryable = True
    suggested_action = (
        "The database was briefly out of reach (a restart or failover). Wait Retry-After seconds and "
        "send the same request with the same Idempotency-Key: it either had no effect or its first "
        "answer is replayed."
    )
    retry_after = 2
