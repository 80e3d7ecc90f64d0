"""Pages (``page``/``perPage`` with totals, or ``limit``) and cursors (``cursor``/``updatedSince``).

Pages count the matching rows (exactly up to COUNT_LIMIT), so a partner sees ``totalItems`` and
``totalPages``. Cursors walk the rows in ``(updatedAt, id)`` order with no count at all, for
partners who sync or need everything.
"""

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter

from tessera.api.filtering import parse_timestamp
from tessera.errors import InvalidFilter

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
COUNT_LIMIT = 10_000
PAGE_PARAMS = ("page", "perPage", "limit")
CURSOR_PARAMS = ("cursor", "updatedSince")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int


def page_request(params) -> PageRequest:
    errors = {}

    def number(name: str, default: int, maximum: int) -> int:
        raw = params.get(name)
        if raw is None:
            return default
        if not raw.isdecimal() or not 1 <= int(raw) <= maximum:
            errors[name] = [f"Expected a whole number from 1 to {maximum}."]
            return default
        return int(raw)

    limit = number("limit", 0, MAX_PER_PAGE) if "limit" in params else None
    per_page = number("perPage", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    page = number("page", 1, MAX_PAGE)
    if limit is not None and ("perPage" in params or "page" in params):
        errors["limit"] = ["Use limit alone, or page and perPage."]
    if errors:
        raise InvalidFilter("Some paging parameters are not valid.", errors=errors)
    return PageRequest(page=1, per_page=limit) if limit else PageRequest(page=page, per_page=per_page)


def paginate(queryset: QuerySet, request: PageRequest) -> tuple[list, dict]:
    """One page with totals. Counting stops at COUNT_LIMIT matches, so a page costs the same at a
    million orders as at a thousand: beyond it ``totalItems`` is COUNT_LIMIT and
    ``totalItemsExact`` is false, and pages end there (narrow the filters or use the cursor)."""
    start = (request.page - 1) * request.per_page
    if start >= COUNT_LIMIT:
        raise InvalidFilter(
            f"Pages reach the first {COUNT_LIMIT:,} matches; narrow the filters or walk with the cursor.",
            errors={"page": [f"page × perPage may reach at most {COUNT_LIMIT:,} items."]},
        )
    counted = queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    total = min(counted, COUNT_LIMIT)
    items = list(queryset[start : start + request.per_page])
    meta = {
        "page": request.page,
        "perPage": request.per_page,
        "totalItems": total,
        "totalItemsExact": counted <= COUNT_LIMIT,
        "totalPages": math.ceil(total / request.per_page) if total else 0,
    }
    return items, meta


def cursor_page(queryset: QuerySet, params, *, per_page: int) -> tuple[list, dict]:
    """Rows after the cursor (or from ``updatedSince``) in (updated_at, id) order; no count."""
    queryset = queryset.order_by("updated_at", "id")
    if "cursor" in params:
        updated_at, last_id = _decode(params["cursor"])
        queryset = queryset.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, id__gt=last_id))
    elif "updatedSince" in params:
        try:
            queryset = queryset.filter(updated_at__gte=parse_timestamp(params["updatedSince"]))
        except ValueError as exc:
            raise InvalidFilter("updatedSince is not valid.", errors={"updatedSince": [str(exc)]}) from exc
    items = list(queryset[: per_page + 1])
    more = len(items) > per_page
    items = items[:per_page]
    next_cursor = _encode(items[-1]) if more else None
    return items, {"perPage": per_page, "nextCursor": next_cursor}


def _encode(row) -> str:
    payload = json.dumps([row.updated_at.isoformat(), str(row.pk)])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(cursor: str):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        updated_at, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return parse_timestamp(updated_at), uuid.UUID(last_id)
    except (ValueError, TypeError, AttributeError, binascii.Error) as exc:
        raise InvalidFilter(
            "cursor is not valid.", errors={"cursor": ["Use the nextCursor of a previous page."]}
        ) from exc


def page_parameters():
    """The paging parameters as OpenAPI documents them, with their real bounds."""
    return [
        OpenApiParameter(
            "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, description="From 1."
        ),
        OpenApiParameter(
            "perPage", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, description="Default 25."
        ),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            description="The first page of this many items; not with page or perPage.",
        ),
    ]
