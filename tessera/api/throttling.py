"""Rate limits per partner and integration (the client-name header), kept in the cache."""

import hashlib
import logging
import re

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


class PartnerClientThrottle(SimpleRateThrottle):
    """Requests per partner and client name; a partner's integrations do not starve each other.

    The rate is the partner's own (``Partner.rate_limit``) when staff set one, else API_RATE_LIMIT.
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
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.user, PartnerPrincipal):
            return None
        # The client name is whatever the partner sends: hashed, so the key is always a safe cache key.
        name = hashlib.sha256(client_name(request).encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{request.user.partner.pk}:{name}"
