"""Additions to the generated OpenAPI document: the error catalog and the status vocabulary."""

from orders.vocabulary import PROVIDER_STATUSES
from tessera.api.problems import ERROR_CATALOG

INTRO = (
    "Order tickets and vouchers from Tessera's suppliers. The guide with a complete walk-through "
    "is docs/api.md. Every write needs an `Idempotency-Key`; every error is `application/problem+json`."
)


def _error_table() -> str:
    rows = ["| errorCode | status | fault | retryable | meaning |", "|---|---|---|---|---|"]
    for code, spec in sorted(ERROR_CATALOG.items(), key=lambda item: (item[1].status, item[0])):
        rows.append(
            f"| `{code}` | {spec.status} | {spec.fault} | {str(spec.retryable).lower()} | {spec.title} |"
        )
    return "\n".join(rows)


def _vocabulary_table() -> str:
    rows = ["| provider | their status | Tessera |", "|---|---|---|"]
    rows += [f"| {provider} | {word} | {ours} |" for provider, word, ours in PROVIDER_STATUSES]
    return "\n".join(rows)


def describe_catalogs(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    result["info"]["description"] = "\n\n".join(
        [INTRO, "## Errors", _error_table(), "## Status vocabulary", _vocabulary_table()]
    )
    problem = result.get("components", {}).get("schemas", {}).get("Problem")
    if problem:
        problem["properties"]["errorCode"]["enum"] = sorted(ERROR_CATALOG)
    return result
