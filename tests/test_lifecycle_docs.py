"""The lifecycle drawings in docs/ show exactly the transitions the code has."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

DOCS = Path(__file__).resolve().parent.parent / "docs"
EDGE = re.compile(r'"([^"]+)" -> "([^"]+)" \[label=(\w+)\]')


def edges(dot_source: str) -> set[tuple[str, str, str]]:
    return set(EDGE.findall(dot_source))


@pytest.mark.parametrize(
    "model",
    [
        "orders.Order",
        "orders.OrderLine",
        "payments.Payment",
        "payments.Refund",
        "payments.WalletHold",
        "suppliers.InventoryCode",
    ],
)
def test_committed_diagram_matches_the_state_machine(model):
    out = StringIO()
    call_command("graph_transitions", model, stdout=out)
    drawn = (DOCS / f"lifecycle-{model.split('.')[1].lower()}.dot").read_text()

    assert edges(out.getvalue()), "graph_transitions drew no transition"
    assert edges(drawn) == edges(out.getvalue()), "run `make graph` and commit docs/"


def test_lifecycle_doc_maps_every_provider_status_the_api_documents():
    from orders.vocabulary import PROVIDER_STATUSES

    page = (DOCS / "lifecycle.md").read_text()
    missing = [
        (provider, word)
        for provider, word, _ in PROVIDER_STATUSES
        if f"| {word} |" not in page and f"`{word}`" not in page
    ]
    assert not missing
