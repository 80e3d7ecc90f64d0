"""Schemathesis hooks for Tessera's partner API (loaded by schemathesis.toml at the checkout's root).

Every write needs an Idempotency-Key that is unique per intended change, and the same key with
another body is 422 IDEMPOTENCY_KEY_REUSED (docs/api.md). OpenAPI can state a key's length and
characters but not that it must be new, so schemathesis draws the same well-formed key for
different requests. This hook makes it behave as the guide asks a client to: each schema-valid
call whose key is well-formed gets a fresh UUID; other calls keep the key as drawn, so the
header's own rules are still tested.

Likewise a query string's length limit, which OpenAPI cannot state either (``filter_query``).
"""

import re
import uuid
from urllib.parse import urlencode

import schemathesis

HEADER = "Idempotency-Key"
WELL_FORMED = re.compile(r"^[!-~]([ -~]{0,253}[!-~])?$")  # tessera.api.idempotency.KEY_PATTERN


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return  # left as drawn: editing it would make schemathesis judge the case anew as valid
    headers = case.headers or {}
    sent = headers.get(HEADER)
    if isinstance(sent, str) and WELL_FORMED.fullmatch(sent.strip()):
        case.headers = {**headers, HEADER: str(uuid.uuid4())}


MAX_QUERY_STRING = 8000  # tessera.api.base.MAX_QUERY_STRING


def query_pairs(name: str, value) -> list[tuple[str, str]]:
    """The query parameters ``value`` is sent as: lists repeat the name, objects are exploded."""
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in query_pairs(key, item)]
    if isinstance(value, list | tuple):
        return [pair for item in value for pair in query_pairs(name, item)]
    return [(name, str(value))]


@schemathesis.hook
def filter_query(context, query) -> bool:
    """A query string may be up to 8,000 characters (docs/api.md, "Strict input"); a longer one is
    400 QUERY_TOO_LONG whatever its parameters, and in production the web server refuses a
    request line over 8,190 bytes with 414. OpenAPI cannot bound a query's encoded length, and a
    list with many repeatable filters draws longer ones, so they are not sent: every shorter
    schema-valid query must be accepted (tests/test_api_hostile_input.py covers the long ones)."""
    if not isinstance(query, dict):
        return True
    pairs = [pair for name, value in query.items() for pair in query_pairs(name, value)]
    return len(urlencode(pairs)) <= MAX_QUERY_STRING
