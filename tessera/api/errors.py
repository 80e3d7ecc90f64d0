"""The one place that turns exceptions into HTTP problems, for DRF views and for Django itself.

Every exception becomes a TesseraError of the catalog (tessera.errors) first, so each answer's
code, title, status and advice come from one class.
"""

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf
from rest_framework.response import Response

from tessera import errors
from tessera.api.problems import PROBLEM_CONTENT_TYPE, problem, problem_body, problem_headers

logger = logging.getLogger(__name__)

NON_FIELD_ERRORS = "non_field_errors"  # DRF's key for what a serializer's validate() says

_DRF_ERRORS: list[tuple[type[drf.APIException], type[errors.TesseraError]]] = [
    (drf.ValidationError, errors.InvalidInput),
    (drf.ParseError, errors.MalformedRequest),
    (drf.AuthenticationFailed, errors.Unauthenticated),
    (drf.NotAuthenticated, errors.Unauthenticated),
    (drf.PermissionDenied, errors.NotPermitted),
    (drf.NotFound, errors.NotFound),
    (drf.MethodNotAllowed, errors.MethodNotAllowed),
    (drf.NotAcceptable, errors.NotAcceptable),
    (drf.UnsupportedMediaType, errors.UnsupportedMediaType),
    (drf.Throttled, errors.RateLimited),
]


def as_tessera_error(exc: Exception) -> errors.TesseraError:
    """The catalog's error for any exception (an unknown one is an INTERNAL_ERROR, and logged)."""
    if isinstance(exc, errors.TesseraError):
        return exc
    if isinstance(exc, Http404):
        return errors.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return errors.NotPermitted()
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge("The request body is larger than this API accepts.")
    if isinstance(exc, TooManyFieldsSent):
        return errors.MalformedRequest("The request has more parameters than this API accepts.")
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return errors.MalformedRequest("The request could not be read.")
    if isinstance(exc, drf.APIException):
        return _from_drf(exc)
    if isinstance(exc, errors.DATABASE_UNAVAILABLE):
        logger.warning("database unavailable during an API request: %s", type(exc).__name__)
        return errors.ServiceUnavailable(
            "The database did not answer. The request may not have completed: send it again with "
            "the same Idempotency-Key."
        )
    logger.exception("unhandled error in the API", exc_info=exc)
    return errors.InternalError()


def _from_drf(exc: drf.APIException) -> errors.TesseraError:
    error_class = next((error for cls, error in _DRF_ERRORS if isinstance(exc, cls)), None)
    if error_class is None:
        logger.exception("unmapped DRF error in the API", exc_info=exc)
        return errors.InternalError()
    if isinstance(exc, drf.ValidationError):
        field_errors = dict(exc.detail) if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail}
        about_the_body = field_errors.pop(NON_FIELD_ERRORS, None)  # named by no field: the detail
        detail = " ".join(str(message) for message in about_the_body or ["Some fields are not valid."])
        return error_class(detail, errors=field_errors or None)
    error = error_class(str(exc.detail))
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        error.retry_after = max(1, int(exc.wait + 0.999))
    return error


def problem_response(exc: Exception) -> Response:
    """The problem+json response for ``exc`` (any exception: unknown ones are a 500)."""
    error = as_tessera_error(exc)
    headers = problem_headers(error)
    if isinstance(error, errors.Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="tessera"'
    body = problem_body(error)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every error a view raises becomes a problem."""
    return problem_response(exc)


@csrf_exempt
def api_bad_request(request, exception=None):
    """Django's 400 (a suspicious host or request refused before any view) as a problem."""
    return problem(errors.MalformedRequest("The request could not be read."))


@csrf_exempt
def api_not_found(request, exception=None):
    return problem(errors.NotFound(f"Nothing at {request.path}."))


def api_server_error(request):
    return problem(errors.InternalError())
