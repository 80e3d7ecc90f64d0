"""Rate limits per partner and integration (the client-name header), kept in the cache."""

import hashlib
import logging
import math
import re
from dataclasses import dataclass

from rest_framework.throttling import SimpleRateThrottle

from tessera.api.principal import PartnerPrincipal
from tessera.errors import ClientNameInvalid

logger = logging.getLogger(__name__)

CLIENT_NAME_HEADER = "X-Client-Name"
MAX_CLIENT_NAME_LENGTH = 100
# Visible ASCII and spaces; the OpenAPI document states the same pattern (partner_api.schema).
CLIENT_NAME_PATTERN = r"^[ -~]*$"


def check_client_name(request) -> None:
    """Refuse an X-Client-Name that is too long or holds anything but printable ASCII: it is
    stored on orders and names the rate limit, so it is never cut or cleaned silently."""
    sent = request.headers.get(CLIENT_NAME_HEADER) or ""
    if len(sent) > MAX_CLIENT_NAME_LENGTH:
        raise ClientNameInvalid(
            f"{CLIENT_NAME_HEADER} is {len(sent)} characters long; "
            f"at most {MAX_CLIENT_NAME_LENGTH} are allowed."
        )
    if not re.fullmatch(CLIENT_NAME_PATTERN, sent):
        raise ClientNameInvalid(
            f"{CLIENT_NAME_HEADER} may hold only printable ASCII characters (space to ~), "
            "no tabs, control characters or other scripts."
        )


def client_name(request) -> str:
    """The integration's name as sent (check_client_name has refused a bad one), trimmed."""
    return (request.headers.get(CLIENT_NAME_HEADER) or "").strip()


PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # by the period's first letter


def parse_partner_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` as (requests, seconds); ValueError for anything else (staff set it in the admin)."""
    count, _, period = rate.strip().partition("/")
    if not count.isdecimal() or int(count) < 1 or not period or period[0] not in PERIOD_SECONDS:
        raise ValueError(f"{rate!r} is not a rate like 600/min (per s, min, hour or day)")
    return int(count), PERIOD_SECONDS[period[0]]


@dataclass(frozen=True)
class RateLimitState:
    """What the throttle knew after counting this request, sent back as RateLimit-* headers."""

    limit: int
    remaining: int
    reset: int  # seconds until the oldest request counted leaves the window (a slot frees)
    window: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


class PartnerClientThrottle(SimpleRateThrottle):
    """Requests per partner and client name; a partner's integrations do not starve each other.

    The rate is the partner's own (``Partner.rate_limit``) when staff set one, else API_RATE_LIMIT.
    The count it has just read and written is left on the request (``rate_limit_state``) for the
    view to send as headers, so they cost no second cache read.
    """

    scope = "partner"

    def allow_request(self, request, view) -> bool:
        own = request.user.partner.rate_limit if isinstance(request.user, PartnerPrincipal) else ""
        if own:
            try:
                self.num_requests, self.duration = parse_partner_rate(own)
                self.rate = own
            except ValueError:
                logger.warning(
                    "partner %s has an unreadable rate limit; the default applies", request.user.pk
                )
        allowed = super().allow_request(request, view)
        if getattr(self, "key", None) is not None:
            request.rate_limit_state = self.state()
        return allowed

    def state(self) -> RateLimitState:
        """The window as ``allow_request`` left it (``history``: newest first, this one included
        when it was let through)."""
        reset = math.ceil(self.history[-1] + self.duration - self.now) if self.history else 0
        return RateLimitState(
            limit=self.num_requests,
            remaining=max(0, self.num_requests - len(self.history)),
            reset=max(0, reset),
            window=self.duration,
        )

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.user, PartnerPrincipal):
            return None
        # The client name is whatever the partner sends: hashed, so the key is always a safe cache key.
        name = hashlib.sha256(client_name(request).encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{request.user.partner.pk}:{name}"
