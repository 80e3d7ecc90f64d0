"""The one place that turns exceptions into HTTP problems, for DRF views and for Django itself."""

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf
from rest_framework.response import Response

from tessera.api.problems import PROBLEM_CONTENT_TYPE, problem, problem_body
from tessera.errors import DATABASE_UNAVAILABLE, TesseraError

logger = logging.getLogger(__name__)

NON_FIELD_ERRORS = "non_field_errors"  # DRF's key for what a serializer's validate() says

DATABASE_RETRY_AFTER_SECONDS = 2

_DRF_CODES: list[tuple[type[Exception], str]] = [
    (drf.ValidationError, "VALIDATION_FAILED"),
    (drf.ParseError, "MALFORMED_REQUEST"),
    (drf.AuthenticationFailed, "UNAUTHENTICATED"),
    (drf.NotAuthenticated, "UNAUTHENTICATED"),
    (drf.PermissionDenied, "PERMISSION_DENIED"),
    (drf.NotFound, "NOT_FOUND"),
    (drf.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (drf.NotAcceptable, "NOT_ACCEPTABLE"),
    (drf.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (drf.Throttled, "RATE_LIMITED"),
]


def problem_response(exc: Exception) -> Response:
    """The problem+json response for ``exc`` (any exception: unknown ones are a 500)."""
    headers: dict[str, str] = {}
    if isinstance(exc, TesseraError):
        if getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)
        context = dict(exc.context)
        field_errors = context.pop("errors", None)
        body = problem_body(
            exc.code,
            exc.detail,
            status=exc.http_status,
            errors=field_errors,
            fault=exc.fault,
            retryable=exc.retryable,
            suggested_action=exc.suggested_action,
            context=context or None,
        )
    elif isinstance(exc, Http404 | DjangoPermissionDenied):
        code = "NOT_FOUND" if isinstance(exc, Http404) else "PERMISSION_DENIED"
        body = problem_body(code)
    elif isinstance(exc, RequestDataTooBig):
        body = problem_body("PAYLOAD_TOO_LARGE", "The request body is larger than this API accepts.")
    elif isinstance(exc, TooManyFieldsSent):
        body = problem_body("MALFORMED_REQUEST", "The request has more parameters than this API accepts.")
    elif isinstance(exc, SuspiciousOperation | BadRequest):
        body = problem_body("MALFORMED_REQUEST", "The request could not be read.")
    elif isinstance(exc, drf.APIException):
        body = _drf_problem(exc, headers)
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable during an API request: %s", type(exc).__name__)
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        body = problem_body(
            "SERVICE_UNAVAILABLE",
            "The database did not answer. The request may not have completed: send it again with "
            "the same Idempotency-Key.",
        )
    else:
        logger.exception("unhandled error in the API", exc_info=exc)
        body = problem_body("INTERNAL_ERROR")
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _drf_problem(exc: drf.APIException, headers: dict[str, str]) -> dict:
    code = next((code for cls, code in _DRF_CODES if isinstance(exc, cls)), "INTERNAL_ERROR")
    if isinstance(exc, drf.ValidationError):
        errors = dict(exc.detail) if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail}
        about_the_body = errors.pop(NON_FIELD_ERRORS, None)  # named by no field: it is the detail
        detail = " ".join(str(message) for message in about_the_body or ["Some fields are not valid."])
        return problem_body(code, detail, errors=errors or None)
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="tessera"'
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return problem_body(code, str(exc.detail), status=exc.status_code)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every error a view raises becomes a problem."""
    return problem_response(exc)


@csrf_exempt
def api_bad_request(request, exception=None):
    """Django's 400 (a suspicious host or request refused before any view) as a problem."""
    return problem("MALFORMED_REQUEST", "The request could not be read.")


@csrf_exempt
def api_not_found(request, exception=None):
    return problem("NOT_FOUND", f"Nothing at {request.path}.")


def api_server_error(request):
    return problem("INTERNAL_ERROR")
