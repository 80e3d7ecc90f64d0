"""Who calls the partner API: ``request.user`` once a key was accepted, and the permission to check it.

The key itself is checked in orders (orders.api.auth, which owns Partner and ApiKey); the kernel's
views, throttles and error handling only need to know a partner is calling.
"""

from dataclasses import dataclass
from typing import Any

from rest_framework.permissions import BasePermission

from tessera.actors import Actor


@dataclass(frozen=True)
class PartnerPrincipal:
    """What ``request.user`` is in the partner API: the partner behind the key (an orders.Partner
    and its orders.ApiKey, typed loosely since the kernel imports no app)."""

    partner: Any
    api_key: Any

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    @property
    def pk(self) -> int:
        return self.partner.pk

    @property
    def actor(self) -> Actor:
        return Actor.partner(self.partner)


class IsPartner(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, PartnerPrincipal)
