"""The suppliers' circuit breakers as health and metrics see them: the one place that knows how
a breaker is stored (``suppliers.selectors.open_breakers``: a breaker is open while its
supplier's ``breaker_opened_at`` is set), so the readiness check and the metrics need no change
when that does.
"""

from dataclasses import dataclass
from datetime import datetime

from suppliers import selectors
from suppliers.models import Supplier

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True)
class OpenBreaker:
    supplier: str  # the supplier's slug
    opened_at: datetime | None


def breaker_states() -> dict[str, str]:
    """Each active supplier's breaker state by slug: "open" or "closed"."""
    rows = Supplier.objects.filter(is_active=True).order_by("slug").values_list("slug", "breaker_opened_at")
    return {slug: OPEN if opened_at else CLOSED for slug, opened_at in rows}


def open_breakers() -> list[OpenBreaker]:
    """The suppliers whose breaker is open now, the longest open first."""
    return [OpenBreaker(supplier=b.supplier.slug, opened_at=b.since) for b in selectors.open_breakers()]
