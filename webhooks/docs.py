"""docs/api.md's webhook event catalog, made from the code (``make catalogs``): every public type,
the internal type it comes from, and an example of its payload."""

import json
import uuid

from tessera.event_types import EventType, models_with_lifecycles, transition_events
from webhooks.catalog import RENAMED, public_name, subject_url

EXAMPLE_ORDER = uuid.UUID("01939a4e-7c2b-7d40-9f5e-3a8c2b1d4e6f")
EXAMPLE_SUBJECTS = {
    "order": str(EXAMPLE_ORDER),
    "line": "4711",
    "voucher": "812",
    "payment": "01939a4e-7d10-7a21-8e44-5b6c7d8e9f01",
    "refund": "01939a50-0a11-7b32-9c55-6d7e8f9a0b12",
}


def _statuses() -> dict[str, tuple[str, str]]:
    """Each transition's type to (a source status, its target status)."""
    found = {}
    for model in models_with_lifecycles():
        names = transition_events(model)
        for transition in model._meta.get_field("status").get_all_transitions(model):
            found.setdefault(names[transition.name].value, (str(transition.source), str(transition.target)))
    return found


def example_data(event_type: EventType) -> dict:
    subject = event_type.subject
    if subject == "invoice":
        return {
            "object": "invoice",
            "id": "17",
            "number": "INV-2026-00017",
            "status": "CLOSED",
            "currency": "EUR",
            "totalAmount": "1250.00",
            "url": subject_url("invoice", "17", None),
        }
    if subject == "wallet":
        return {
            "object": "wallet",
            "id": "EUR",
            "currency": "EUR",
            "amount": "500.00",
            "balance": "1740.00",
            "url": subject_url("wallet", "EUR", None),
        }
    previous, status = _statuses().get(event_type.value, ("", "PENDING" if subject == "order" else ""))
    subject_id = EXAMPLE_SUBJECTS.get(subject, "1")
    return {
        "object": subject,
        "id": subject_id,
        "orderId": str(EXAMPLE_ORDER),
        "status": status if previous != "*" else "",
        "previousStatus": previous if previous not in {"*", "+"} and not previous.startswith("[") else "",
        "details": {},
        "url": subject_url(subject, subject_id, EXAMPLE_ORDER),
    }


def webhook_event_table() -> str:
    rows = ["| type | what happened | internal type | example `data` |", "|---|---|---|---|"]
    for member in EventType:
        name = public_name(member)
        if name is None:
            continue
        example = json.dumps(example_data(member), separators=(", ", ": "))
        internal = f"`{member.value}`" if member in RENAMED else "same"
        rows.append(f"| `{name}` | {member.label} | {internal} | `{example}` |")
    return "\n".join(rows)
