"""Pages (``page``/``perPage`` with totals, or ``limit``) and cursors (``cursor``/``updatedSince``).

Pages count the matching rows (exactly up to COUNT_LIMIT), so a partner sees ``totalItems`` and
``totalPages``. Cursors walk the rows in ``(updatedAt, id)`` order with no count at all, for
partners who sync or need everything.
"""

import base64
import binascii
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter

from tessera.api.filtering import TIMESTAMP_PATTERN, parse_timestamp
from tessera.errors import InvalidFilter

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
COUNT_LIMIT = 10_000
MAX_PAGE = COUNT_LIMIT  # pages past the first COUNT_LIMIT matches are empty: no page beyond is useful
PAGE_PARAMS = ("page", "perPage", "limit")
CURSOR_PARAMS = ("cursor", "updatedSince")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int


def page_request(params) -> PageRequest:
    errors = {}

    def number(name: str, default: int, maximum: int) -> int:
        sent = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        if len(sent) > 1:
            errors[name] = [f"Give {name} once."]
            return default
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
    ``totalItemsExact`` is false, and pages end there, as they end after the last match: a page
    past them is empty (narrow the filters or use the cursor). No rule ties page to perPage, so
    the OpenAPI document can state every rule of paging."""
    start = (request.page - 1) * request.per_page
    counted = queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    total = min(counted, COUNT_LIMIT)
    items = list(queryset[start : min(start + request.per_page, COUNT_LIMIT)]) if start < total else []
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
    if "updatedSince" in params:  # with a cursor too: both hold
        try:
            queryset = queryset.filter(updated_at__gte=parse_timestamp(params["updatedSince"]))
        except ValueError as exc:
            raise InvalidFilter("updatedSince is not valid.", errors={"updatedSince": [str(exc)]}) from exc
    items = list(queryset[: per_page + 1])
    more = len(items) > per_page
    items = items[:per_page]
    next_cursor = _encode(items[-1]) if more else None
    return items, {"perPage": per_page, "nextCursor": next_cursor}


CURSOR_PATTERN = r"^[0-9]{1,17}-[0-9a-f]{32}$"  # every string it matches is a cursor
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode(row) -> str:
    """``<updatedAt in microseconds since 1970>-<id as 32 hex digits>``."""
    micros = (row.updated_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{row.pk.hex}"


def _decode(cursor: str):
    if re.fullmatch(CURSOR_PATTERN, cursor):
        micros, _, last_id = cursor.partition("-")
        return EPOCH + timedelta(microseconds=int(micros)), uuid.UUID(hex=last_id)
    try:  # the base64 cursors handed out before, so that a walk under way goes on
        padded = cursor + "=" * (-len(cursor) % 4)
        updated_at, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return parse_timestamp(updated_at), uuid.UUID(last_id)
    except (ValueError, TypeError, AttributeError, binascii.Error) as exc:
        raise InvalidFilter(
            "cursor is not valid.", errors={"cursor": ["Use the nextCursor of a previous page."]}
        ) from exc


def paging_schema(ordering: dict | None = None) -> dict:
    """page and perPage, or limit alone (with ``ordering``'s parameters beside either)."""
    page = _page_properties()
    ordering = ordering or {}
    return {
        "type": "object",
        "anyOf": [
            _closed({"page": page["page"], "perPage": page["perPage"], **ordering}),
            _closed({"limit": page["limit"], **ordering}, required=["limit"]),
        ],
    }


def _closed(properties: dict, required: list[str] | None = None) -> dict:
    shape = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        shape["required"] = required
    return shape


def _page_properties() -> dict:
    return {
        "page": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PAGE,
            "description": f"From 1; pages end after the first {COUNT_LIMIT:,} matches.",
        },
        "perPage": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "description": "Default 25."},
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "description": "The first page of this many items; not with page or perPage.",
        },
    }


PAGING_DESCRIPTION = (
    "Paging, sent as plain query parameters (`?page=2&perPage=50`, or `?limit=10`): `page` from 1 "
    f"and `perPage` from 1 to {MAX_PER_PAGE} (default 25), or `limit` alone for the first page of "
    f"that many items; limit goes with neither. Totals are exact up to {COUNT_LIMIT:,} matches "
    "(totalItemsExact), and pages end there: a page past them is empty, like a page past the end."
)


def sync_paging_schema(ordering: dict) -> dict:
    """The orders list's paging: pages (with ``ordering``'s parameters), or sync mode (cursor or
    updatedSince, with perPage or limit), never a mix."""
    page = _page_properties()
    cursor = {
        "type": "string",
        "pattern": CURSOR_PATTERN,
        "description": "Sync mode: the nextCursor of the last page; send the same filters again.",
    }
    since = {
        "type": "string",
        "format": "date-time",
        "pattern": f"^{TIMESTAMP_PATTERN}$",
        "description": "Sync mode: start at orders updated since this time (with a zone).",
    }
    sync = [
        _closed({"cursor": cursor, "updatedSince": since, **size}, required=[start])
        for start in ("cursor", "updatedSince")
        for size in ({"perPage": page["perPage"]}, {"limit": page["limit"]})
    ]
    return {"type": "object", "anyOf": [*paging_schema(ordering)["anyOf"], *sync]}


def page_parameters(*, schema: dict | None = None, description: str = PAGING_DESCRIPTION):
    """The paging parameters as OpenAPI documents them: one object exploded into the query
    (``style: form``), so that its schema can say which parameters go together."""
    return [
        OpenApiParameter(
            "paging",
            schema or paging_schema(),
            OpenApiParameter.QUERY,
            style="form",
            explode=True,
            description=description,
        )
    ]
