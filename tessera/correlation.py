"""The correlation id that ties a request, the tasks it starts and their audit events together."""

import contextvars
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

HEADER = "X-Correlation-Id"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
# Told each correlation id as it is bound (error reporting tags its reports with it).
listeners: list[Callable[[str], None]] = []


def new_id() -> str:
    return uuid.uuid4().hex


def peek() -> str | None:
    """The correlation id in force, or None outside any request or task."""
    return _current.get()


def current() -> str:
    """The correlation id in force, creating one for work that started without any."""
    value = _current.get()
    if value is None:
        value = new_id()
        _current.set(value)
    return value


@contextmanager
def bound(correlation_id: str | None) -> Iterator[str]:
    value = correlation_id if correlation_id and _VALID.match(correlation_id) else new_id()
    token = _current.set(value)
    for listener in listeners:
        listener(value)
    try:
        yield value
    finally:
        _current.reset(token)


class CorrelationIdMiddleware:
    """Accepts a well-formed ``X-Correlation-Id`` or makes one, and echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with bound(request.headers.get(HEADER)) as value:
            request.correlation_id = value
            response = self.get_response(request)
            response[HEADER] = value
            return response
