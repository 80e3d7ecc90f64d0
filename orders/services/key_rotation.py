"""Re-sealing secrets under the newest voucher key, after a new key was put first in VOUCHER_KEYS.

Rows are taken in primary-key order, in batches; each batch is its own transaction that locks its
rows and re-checks them, so the work can be stopped at any moment and started again: rows already
under the newest key are skipped. Nothing starts while any row names a key the keyring no longer
holds, since those rows could not be opened.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count

from orders import stock as inventory
from orders.errors import UnknownKeyIds
from orders.models import Voucher
from orders.vouchers import SEALED_FIELDS, voucher_reseal
from suppliers.models import InventoryCode
from tessera import sealing

DEFAULT_BATCH = 200


@dataclass(frozen=True)
class SealedTable:
    """A table whose rows hold values sealed under ``key_id``, and how to re-seal one row."""

    label: str
    model: type[models.Model]
    sealed_columns: tuple[str, ...]
    reseal: Callable[[models.Model, str], None]  # (locked row, newest key id); the caller saves

    def stale(self, newest: str) -> models.QuerySet:
        return self.model.objects.exclude(key_id=newest)


def _voucher_reseal(voucher: Voucher, key_id: str) -> None:
    voucher_reseal(voucher, key_id=key_id)


VOUCHERS = SealedTable(
    "vouchers", Voucher, tuple(f"{field}_sealed" for field in SEALED_FIELDS), _voucher_reseal
)


def _stock_code_reseal(code: InventoryCode, key_id: str) -> None:
    inventory.code_reseal(code, key_id=key_id)


# Codes in stock are sealed by the stock's own rule (orders.stock: ``inventory:<pk>:<field>``).
STOCK_CODES = SealedTable(
    "stock codes",
    InventoryCode,
    tuple(f"{field}_sealed" for field in inventory.SEALED_FIELDS),
    _stock_code_reseal,
)


def sealed_tables() -> list[SealedTable]:
    """Every table with sealed values: delivered vouchers, and the voucher stock."""
    return [VOUCHERS, STOCK_CODES]


def unknown_key_ids(tables: list[SealedTable]) -> dict[str, dict[str, int]]:
    """Per table, the key ids rows name that the keyring does not hold, with their row counts."""
    ring = sealing.key_ids()
    found = {}
    for table in tables:
        rows = (
            table.model.objects.exclude(key_id__in=ring)
            .values("key_id")
            .annotate(rows=Count("pk"))
            .order_by("key_id")
        )
        if rows:
            found[table.label] = {row["key_id"]: row["rows"] for row in rows}
    return found


def check_keyring(tables: list[SealedTable]) -> None:
    unknown = unknown_key_ids(tables)
    if unknown:
        described = "; ".join(
            f"{label}: " + ", ".join(f"{kid or '(none)'!r} on {count} rows" for kid, count in kids.items())
            for label, kids in unknown.items()
        )
        raise UnknownKeyIds(
            f"Rows name keys VOUCHER_KEYS does not hold ({described}). Put those keys back in "
            "VOUCHER_KEYS (after the newest) and run again; nothing was changed."
        )


def rows_to_rotate(table: SealedTable) -> int:
    return table.stale(sealing.current_key_id()).count()


def table_rotate(table: SealedTable, *, batch_size: int = DEFAULT_BATCH) -> Iterator[int]:
    """Re-seal the table's rows not under the newest key; yields how many each batch re-sealed.

    Each batch commits on its own, so stopping between batches (or inside one, which then rolls
    back) leaves every row either as it was or under the newest key.
    """
    newest = sealing.current_key_id()
    after = None
    while True:
        pending = table.stale(newest).order_by("pk")
        if after is not None:
            pending = pending.filter(pk__gt=after)
        ids = list(pending.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield _rotate_batch(table, ids, newest)
        after = ids[-1]


def _rotate_batch(table: SealedTable, ids: list, newest: str) -> int:
    with transaction.atomic():
        rows = list(
            table.model.objects.select_for_update().filter(pk__in=ids).exclude(key_id=newest).order_by("pk")
        )
        for row in rows:
            table.reseal(row, newest)
        table.model.objects.bulk_update(rows, [*table.sealed_columns, "key_id"])
        return len(rows)
