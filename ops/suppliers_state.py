"""The suppliers' circuit breakers as health and metrics see them: the one place that knows how
a breaker is stored, so the readiness check and the metrics need no change when it does.

Until suppliers.Supplier has breaker fields (``breaker_state``, ``breaker_opened_at``), there
is no breaker: every supplier is closed and none is open.
"""

from dataclasses import dataclass
from datetime import datetime

from suppliers.models import Supplier

STATE_FIELD = "breaker_state"
OPENED_AT_FIELD = "breaker_opened_at"
OPEN = "open"


@dataclass(frozen=True)
class OpenBreaker:
    supplier: str  # the supplier's slug
    opened_at: datetime | None


def _has_breakers() -> bool:
    names = {field.name for field in Supplier._meta.get_fields()}
    return {STATE_FIELD, OPENED_AT_FIELD} <= names


def breaker_states() -> dict[str, str]:
    """Each active supplier's breaker state by slug ("closed" where there are no breakers)."""
    suppliers = Supplier.objects.filter(is_active=True).order_by("slug")
    if not _has_breakers():
        return dict.fromkeys(suppliers.values_list("slug", flat=True), "closed")
    return {slug: str(state).lower() for slug, state in suppliers.values_list("slug", STATE_FIELD)}


def open_breakers() -> list[OpenBreaker]:
    """The suppliers whose breaker is open now, the longest open first."""
    if not _has_breakers():
        return []
    rows = (
        Supplier.objects.filter(**{f"{STATE_FIELD}__iexact": OPEN})
        .order_by(OPENED_AT_FIELD)
        .values_list("slug", OPENED_AT_FIELD)
    )
    return [OpenBreaker(supplier=slug, opened_at=opened_at) for slug, opened_at in rows]
