"""Schemathesis hooks for Tessera's partner API (loaded by schemathesis.toml at the checkout's root).

Every write needs an Idempotency-Key that is unique per intended change, and the same key with
another body is 422 IDEMPOTENCY_KEY_REUSED (docs/api.md). OpenAPI can state a key's length and
characters but not that it must be new, so schemathesis draws the same well-formed key for
different requests. This hook makes it behave as the guide asks a client to: each schema-valid
call whose key is well-formed gets a fresh UUID; other calls keep the key as drawn, so the
header's own rules are still tested.
"""

import re
import uuid

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
