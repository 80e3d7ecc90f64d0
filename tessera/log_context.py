"""What a log line says about the work it belongs to: correlation id, partner, order, task.

The correlation id comes from tessera.correlation; the rest is bound here for the duration of a
request or a task (``bound(...)``) and written by ``LogContextFilter`` on every record, so a
logger never has to be handed them. JSON lines (LOG_FORMAT=json) carry each as its own member.
"""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

from tessera import correlation

FIELDS = ("partner", "order_id", "task_id")
_values: dict[str, contextvars.ContextVar[str | None]] = {
    name: contextvars.ContextVar(f"log_{name}", default=None) for name in FIELDS
}


@contextmanager
def bound(**values: object) -> Iterator[None]:
    """Bind ``values`` (some of FIELDS) to the log lines written inside the block."""
    tokens = [(_values[name], _values[name].set(str(value))) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(**values: object) -> None:
    """Bind ``values`` (None unbinds) until the enclosing ``fresh_scope()`` ends: a request's
    partner, known only once its API key is checked; a task's id, from its start to its end."""
    for name, value in values.items():
        _values[name].set(None if value is None else str(value))


@contextmanager
def fresh_scope() -> Iterator[None]:
    """A request or task starts with nothing bound and leaves nothing behind."""
    tokens = [(var, var.set(None)) for var in _values.values()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class LogContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation.peek() or "-"
        for name, var in _values.items():
            setattr(record, name, var.get())
        return True


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, correlation_id,
    partner, order_id and task_id (null when unknown), and the exception's traceback if any."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}{correlation_id}{partner}{order_id}{task_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LogContextMiddleware:
    """Each request logs with nothing bound from another; an order's URL binds its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with fresh_scope():
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        if "order_id" in view_kwargs:
            bind(order_id=view_kwargs["order_id"])
