"""The reason staff must give for a change that cannot be undone (a revoked voucher or stock code,
a line failed by hand): required, and short enough for the column and the audit event."""

from tessera.errors import InvalidInput

MAX_REASON = 255


def required_reason(reason: str, *, missing: str) -> str:
    """``reason`` without surrounding space; InvalidInput (``missing`` as its detail) when empty,
    or when longer than MAX_REASON characters."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(missing, errors={"reason": ["This field is required."]})
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "The reason is too long.", errors={"reason": [f"At most {MAX_REASON} characters."]}
        )
    return reason
