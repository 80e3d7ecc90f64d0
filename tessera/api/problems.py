"""Every API error as one body: RFC 9457 problem+json, with Tessera's extension members.

The body is made from a ``TesseraError``: its class gives ``errorCode``, ``title``, ``status``,
``fault``, ``retryable`` and ``suggestedAction`` (the catalog, tessera.errors); the instance gives
``detail`` and, from its context, ``errors`` (per field) and ``context``. ``retryable`` true means
sending the same request again with the same Idempotency-Key is safe and may succeed.
"""

from django.http import JsonResponse

from tessera import correlation
from tessera.errors import TesseraError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://docs.tessera.example/errors/"


def problem(error: TesseraError) -> JsonResponse:
    """The problem+json response for ``error``, with its Retry-After when it has one."""
    body = problem_body(error)
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in problem_headers(error).items():
        response[name] = value
    return response


def problem_body(error: TesseraError) -> dict:
    context = dict(error.context)
    field_errors = context.pop("errors", None)
    body = {
        "type": TYPE_BASE + error.code.lower().replace("_", "-"),
        "title": error.title,
        "status": error.http_status,
        "detail": error.detail or error.title,
        "errorCode": error.code,
        "fault": error.fault,
        "retryable": error.retryable,
        "suggestedAction": error.suggested_action,
        "correlationId": correlation.current(),
    }
    if field_errors:
        body["errors"] = field_errors
    if context:
        body["context"] = _camel_keys(context)
    return body


def problem_headers(error: TesseraError) -> dict[str, str]:
    return {"Retry-After": str(error.retry_after)} if error.retry_after else {}


def _camel_keys(context: dict) -> dict:
    """Context details in the API's own spelling: ``first_used_for`` → ``firstUsedFor``."""

    def camel(name: str) -> str:
        head, *rest = str(name).split("_")
        return head + "".join(part.capitalize() for part in rest)

    return {camel(key): value for key, value in context.items()}
