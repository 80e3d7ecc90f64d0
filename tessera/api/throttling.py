"""Rate limits per partner and integration (the client-name header), kept in the cache."""

from rest_framework.throttling import SimpleRateThrottle

from tessera.api.auth import PartnerPrincipal

CLIENT_NAME_HEADER = "X-Client-Name"


def client_name(request) -> str:
    return (request.headers.get(CLIENT_NAME_HEADER) or "").strip()[:100]


class PartnerClientThrottle(SimpleRateThrottle):
    """Requests per partner and client name; a partner's integrations do not starve each other."""

    scope = "partner"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.user, PartnerPrincipal):
            return None
        return f"throttle:{self.scope}:{request.user.partner.pk}:{client_name(request) or '-'}"
