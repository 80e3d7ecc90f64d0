"""The tables of docs/api.md that are made from the code: the error codes and the event types.

``make catalogs`` (``manage.py document_catalogs``) writes each between its two markers in the page
(apps above the kernel add theirs with ``register_table``);
tests/test_api_docs.py fails while the page and the code differ.
"""

import re
from collections.abc import Callable

from tessera.errors import error_catalog
from tessera.event_types import NOT_IN_ORDER_TRAILS, EventType, transition_event_types


def error_table() -> str:
    rows = ["| errorCode | status | fault | retryable | title | what to do |", "|---|---|---|---|---|---|"]
    for code, error in error_catalog().items():
        retryable = "yes" if error.retryable else "no"
        rows.append(
            f"| `{code}` | {error.http_status} | {error.fault} | {retryable} | {_cell(error.title)} "
            f"| {_cell(error.suggested_action)} |"
        )
    return "\n".join(rows)


def event_type_table() -> str:
    changes = transition_event_types()
    rows = ["| type | what happened | written by |", "|---|---|---|"]
    for event in EventType:
        if event in NOT_IN_ORDER_TRAILS:
            written_by = "not in an order's events yet (it belongs to no order)"
        else:
            written_by = "a status change" if event in changes else "an action"
        rows.append(f"| `{event.value}` | {event.label} | {written_by} |")
    return "\n".join(rows)


TABLES: dict[str, Callable[[], str]] = {"error-codes": error_table, "event-types": event_type_table}


def register_table(name: str, table: Callable[[], str]) -> None:
    """Add a generated table of a higher app (from its AppConfig.ready): webhooks' event catalog."""
    TABLES[name] = table


def rewritten(page: str) -> str:
    """``page`` with every generated table made anew from the code."""
    for name, table in TABLES.items():
        begin, end = f"<!-- {name}: made by `make catalogs` -->", f"<!-- end {name} -->"
        block = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        if not block.search(page):
            raise ValueError(f"the page has no {begin} ... {end} block")
        generated = f"{begin}\n{table()}\n{end}"
        page = block.sub(lambda _, text=generated: text, page)
    return page


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
