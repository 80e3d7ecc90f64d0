"""``manage.py rotate_voucher_keys``: re-seal every sealed secret under the newest voucher key.

To rotate: put a new key first in VOUCHER_KEYS and keep the old ones after it, restart, run this;
once it reports nothing left, the old keys may be dropped. Safe to stop (Ctrl+C) and run again:
each batch commits on its own and rows already under the newest key are skipped.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders.errors import UnknownKeyIds
from orders.services.key_rotation import (
    DEFAULT_BATCH,
    check_keyring,
    rows_to_rotate,
    sealed_tables,
    table_rotate,
)
from tessera import sealing


class Command(BaseCommand):
    help = "Re-seal voucher codes, PINs, links and supplier secrets (and stock codes) under the newest key."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            help="rows per transaction (default: %(default)s)",
        )

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        tables = sealed_tables()
        try:
            check_keyring(tables)
        except UnknownKeyIds as exc:
            raise CommandError(str(exc)) from None
        newest = sealing.current_key_id()
        self.stdout.write(f"Newest key: {newest!r}.")
        for table in tables:
            total = rows_to_rotate(table)
            if not total:
                self.stdout.write(f"{table.label}: every row is already under {newest!r}.")
                continue
            resealed = 0
            with tqdm(total=total, desc=table.label, unit="row", file=sys.stderr, leave=False) as bar:
                for count in table_rotate(table, batch_size=batch_size):
                    resealed += count
                    bar.update(count)
            self.stdout.write(self.style.SUCCESS(f"{table.label}: {resealed} re-sealed under {newest!r}."))
