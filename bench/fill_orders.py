"""Fill a PostgreSQL database with benchmark orders, so list endpoints and the admin can be measured.

Runs ``migrate`` and ``seed_demo`` and adds ``--partners`` partners; then COPYs, per order, one
offer, the order and one to three lines: seeded random data, consistent across statuses, times,
money and line states. Columns come from the models: any the generator does not set gets the
field's default. Ends with VACUUM ANALYZE and a summary. Load into a fresh database:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE tessera_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_bench \\
        .venv/bin/python bench/fill_orders.py --orders 1000000 --partners 50 [--seed 1] [--batch 10000]
"""
# ruff: noqa: E402  (Django is set up before the project's imports)

import argparse
import hashlib
import json
import random
import time
import uuid
from base64 import urlsafe_b64encode
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

import setup_django  # noqa: F401 - puts the project on sys.path and starts Django

# isort: split

from django.conf import settings
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from orders.models import Order, OrderLine, Partner
from orders.statuses import LinePhase, LineStatus, OrderStatus
from suppliers.models import Offer, Product

ISSUE, RESERVE = LinePhase.ISSUE, LinePhase.RESERVE
EXPIRY = settings.ORDER_EXPIRY_DEFAULT.total_seconds()
HOUR, MONTH, YEAR = 3600, 30 * 86400, 365 * 86400


class Profile(NamedTuple):
    """Orders in one status: how common, their lines' statuses and phase, and when they last changed."""

    weight: float  # percent
    first_line: str
    other_lines: str
    phase: str
    last_change_after: tuple[float, float]  # seconds after finalized_at, else created_at


PROFILES = {
    OrderStatus.FULFILLED: Profile(72.8, LineStatus.ISSUED, LineStatus.ISSUED, ISSUE, (1, 60)),
    OrderStatus.EXPIRED: Profile(8, LineStatus.RELEASED, LineStatus.RELEASED, RESERVE, (EXPIRY, EXPIRY + 30)),
    OrderStatus.CANCELED: Profile(5, LineStatus.RELEASED, LineStatus.RELEASED, RESERVE, (10, EXPIRY)),
    OrderStatus.REFUNDED: Profile(4, LineStatus.REFUNDED, LineStatus.REFUNDED, ISSUE, (HOUR, MONTH)),
    OrderStatus.FAILED: Profile(3, LineStatus.FAILED, LineStatus.RELEASED, RESERVE, (1, 30)),
    OrderStatus.PENDING: Profile(3, LineStatus.RESERVED, LineStatus.RESERVED, RESERVE, (0, 60)),
    OrderStatus.PARTIALLY_FULFILLED: Profile(2, LineStatus.ISSUED, LineStatus.FAILED, ISSUE, (1, 60)),
    OrderStatus.PARTIALLY_REFUNDED: Profile(2, LineStatus.REFUNDED, LineStatus.ISSUED, ISSUE, (HOUR, MONTH)),
    OrderStatus.PROCESSING: Profile(0.2, LineStatus.ISSUING, LineStatus.ISSUING, ISSUE, (0, 0)),
}
NEEDS_TWO_LINES = {OrderStatus.PARTIALLY_FULFILLED, OrderStatus.PARTIALLY_REFUNDED}
RECENT = {OrderStatus.PENDING, OrderStatus.PROCESSING}  # created in the last 15 minutes
FINALIZED = {OrderStatus.PROCESSING, OrderStatus.FULFILLED, OrderStatus.REFUNDED, *NEEDS_TWO_LINES}
BOOKED = {LineStatus.ISSUED, LineStatus.REFUNDED}
FAILURES = {
    RESERVE: ("SOLD_OUT", "Sold out on the requested departure."),
    ISSUE: ("OUT_OF_STOCK", "Out of stock for this item."),
}
CURRENCY_RATES = {"EUR": Decimal(1), "NOK": Decimal("11.50"), "USD": Decimal("1.08")}
CURRENCY_WEIGHTS = [85, 10, 5]
CLIENT_NAMES, CLIENT_WEIGHTS = ["web-shop", "ios-app", "android-app", "backoffice", ""], [40, 20, 15, 5, 20]


def order_reference(n: int) -> str:
    """``B-`` and n in base 32, 10 digits: unique, and never a ``T-`` reference of the app."""
    digits = ""
    for _ in range(10):
        n, digit = divmod(n, 32)
        digits = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[digit] + digits
    return "B-" + digits


def sequence_uuid(n: int, salt: int) -> uuid.UUID:
    """A random-looking UUID4, unique by construction: its low 62 bits are a bijection of n."""
    low = (n + salt * 0x5851F42D4C957F2D) * 0x9E3779B97F4A7C15 % 2**62
    high = (n + salt) * 0xD1B54A32D192ED03 % 2**64
    return uuid.UUID(int=high << 64 | low, version=4)


def order_key(n: int) -> str:
    return urlsafe_b64encode(hashlib.blake2b(b"order-key:%d" % n, digest_size=24).digest()).decode()


def copy_default(field: models.Field, now):
    """The field's default for one row, as COPY takes it: JSON as text, None as NULL."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    value = field.get_default()
    if isinstance(field, models.JSONField) and not (value is None and field.null):
        return json.dumps(value, cls=field.encoder or DjangoJSONEncoder)
    return value


class CopyTable:
    """COPY into one model's table: the generator's values by attname, the field's default for the rest."""

    def __init__(self, model, now):
        self.model, self.now, self.rows = model, now, 0
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not (isinstance(f, models.AutoField) or f.generated or f.has_db_default())
        ]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"

    def write(self, cursor, rows: list[dict]) -> None:
        unknown = rows[0].keys() - {f.attname for f in self.fields}
        if unknown:
            raise SystemExit(f"{self.model.__name__} has no column for {sorted(unknown)}")
        with cursor.copy(self.sql) as copy:
            for values in rows:
                copy.write_row(self.row(values))
        self.rows += len(rows)

    def row(self, values: dict) -> list:
        return [values[f.attname] if f.attname in values else copy_default(f, self.now) for f in self.fields]


class OrderFactory:
    """Builds order number n with its offer and lines, as dicts by attname, from a seeded random."""

    def __init__(self, seed: int, now, customers: int):
        self.rng, self.now, self.customers = random.Random(seed), now, customers
        self.partners = [p for p in Partner.objects.order_by("pk") if p.billing_modes]
        self.rng.shuffle(self.partners)  # which ones are the few big partners
        self.partner_weights = [1 / rank**1.2 for rank in range(1, len(self.partners) + 1)]
        self.products = list(Product.objects.filter(is_active=True).order_by("pk"))
        self.statuses, self.status_weights = list(PROFILES), [p.weight for p in PROFILES.values()]

    def build(self, n: int) -> tuple[dict, dict, list[dict]]:
        rng = self.rng
        partner = rng.choices(self.partners, self.partner_weights)[0]
        status = rng.choices(self.statuses, self.status_weights)[0]
        product = rng.choice(self.products)
        quantity = rng.choices((1, 2, 3), (60, 30, 10))[0]
        quantity = max(quantity, 2) if status in NEEDS_TWO_LINES else quantity
        currency = rng.choices(list(CURRENCY_RATES), CURRENCY_WEIGHTS)[0]
        face = Decimal(rng.choice(product.denominations)) if product.denominations else None
        unit_price = ((face or product.price) * CURRENCY_RATES[currency]).quantize(Decimal("0.01"))
        created, expires, finalized, updated = self.times(status)
        quoted = created - timedelta(seconds=rng.uniform(5, 600))
        offer = {
            "id": sequence_uuid(n, 1), "partner_id": partner.pk, "product_id": product.pk,
            "quantity": quantity, "unit_price": unit_price, "total_amount": unit_price * quantity,
            "currency": currency, "denomination": unit_price if face else None,
            "snapshot": snapshot_json(product, quantity, unit_price, currency, quoted),
            "expires_at": quoted + settings.OFFER_VALIDITY, "used_at": created, "created_at": quoted,
        }  # fmt: skip
        customer = rng.randrange(1, self.customers + 1)
        order = {
            "id": sequence_uuid(n, 2), "reference": order_reference(n), "order_key": order_key(n),
            "partner_id": partner.pk, "status": status, "currency": currency,
            "total_amount": offer["total_amount"],
            "payment_method": rng.choice(partner.billing_modes) if finalized else "",
            "contact_name": f"Customer {customer}", "contact_email": f"customer{customer}@example.com",
            "external_reference": f"EXT-{n}" if rng.random() < 0.7 else "",
            "client_name": rng.choices(CLIENT_NAMES, CLIENT_WEIGHTS)[0],
            "expires_at": expires, "finalized_at": finalized, "created_at": created, "updated_at": updated,
        }  # fmt: skip
        return offer, order, order_lines(n, status, order, offer, product)

    def times(self, status: str):
        """created_at, expires_at, finalized_at and updated_at of an order in ``status``."""
        rng, now = self.rng, self.now
        age = rng.uniform(0, 900) if status in RECENT else rng.uniform(HOUR, YEAR)
        created = now - timedelta(seconds=age)
        finalized = None
        if status in FINALIZED:
            finalized = min(now, created + timedelta(seconds=rng.uniform(20, 600)))
        updated = (finalized or created) + timedelta(seconds=rng.uniform(*PROFILES[status].last_change_after))
        expires = created + settings.ORDER_EXPIRY_DEFAULT
        if status == OrderStatus.PENDING:  # extended by the partner: the expiry sweep leaves the data alone
            expires += timedelta(days=rng.uniform(1, 30))
        return created, expires, finalized, min(updated, now)


def snapshot_json(product: Product, quantity: int, unit_price: Decimal, currency: str, quoted) -> str:
    """What the partner was shown, in the shape ``offer_quote`` stores."""
    snapshot = {
        "product": {"id": product.pk, "name": product.name, "kind": product.kind},
        "itinerary": {"from": product.from_place, "to": product.to_place, "startsAt": product.starts_at},
        "quantity": quantity, "unitPrice": str(unit_price), "totalAmount": str(unit_price * quantity),
        "currency": currency, "quotedAt": quoted,
    }  # fmt: skip
    return json.dumps(snapshot, cls=DjangoJSONEncoder)


def order_lines(n: int, status: str, order: dict, offer: dict, product: Product) -> list[dict]:
    profile = PROFILES[status]
    lines = []
    for position in range(1, offer["quantity"] + 1):
        line_status = profile.first_line if position == 1 else profile.other_lines
        failed = line_status == LineStatus.FAILED
        failure_code, failure_reason = FAILURES[profile.phase] if failed else ("", "")
        reserved = not (failed and profile.phase == RESERVE)
        supplier_ref = f"SBX{n * 4 + position:012X}"
        lines.append({
            "order_id": order["id"], "position": position, "offer_id": offer["id"],
            "product_id": product.pk, "supplier_id": product.supplier_id, "status": line_status,
            "phase": profile.phase, "description": product.name, "amount": offer["unit_price"],
            "currency": offer["currency"], "denomination": offer["denomination"],
            "starts_at": product.starts_at, "from_place": product.from_place, "to_place": product.to_place,
            "supplier_reservation_ref": supplier_ref if reserved else "",
            "supplier_booking_ref": supplier_ref if line_status in BOOKED else "",
            "failure_code": failure_code, "failure_reason": failure_reason,
            "waiting_since": order["finalized_at"] if line_status == LineStatus.ISSUING else None,
            "created_at": order["created_at"], "updated_at": order["updated_at"],
        })  # fmt: skip
    return lines


def prepare_database(partners: int) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit(f"PostgreSQL only (DATABASE_URL points at {connection.vendor}).")
    call_command("migrate", verbosity=0)
    if Order.objects.filter(reference__startswith="B-").exists():
        raise SystemExit("This database already holds bench orders: drop and recreate it first.")
    call_command("seed_demo")
    for n in range(1, partners + 1):
        Partner.objects.update_or_create(
            slug=f"bench-partner-{n}",
            defaults={"name": f"Bench Partner {n}", "currency": "EUR", "allows_wallet": True,
                      "allows_invoice": n % 3 == 0, "allows_gateway": n % 4 == 0},
        )  # fmt: skip


@contextmanager
def secondary_indexes_dropped(tables: dict):
    """Drop the tables' non-unique indexes for the load and build each once after it, even if it fails.

    Keeping dozens of indexes up to date row by row made a 1M load several times slower. Unique
    indexes stay, so a duplicate fails at once; definitions come from the database, so new ones follow.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique",
            [[table.model._meta.db_table for table in tables.values()]],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        try:
            yield
        finally:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _, definition in tqdm(indexes, desc="indexes", unit="index"):
                cursor.execute(definition)


def load(factory: OrderFactory, tables: dict, orders: int, batch: int) -> None:
    """Orders 1..orders, ``batch`` at a time: one transaction, and one COPY per table, each."""
    with tqdm(total=orders, desc="orders", unit="order", unit_scale=True) as progress:
        for start in range(1, orders + 1, batch):
            built = [factory.build(n) for n in range(start, min(start + batch, orders + 1))]
            with transaction.atomic(), connection.cursor() as cursor:
                tables[Offer].write(cursor, [offer for offer, _, _ in built])
                tables[Order].write(cursor, [order for _, order, _ in built])
                tables[OrderLine].write(cursor, [line for _, _, lines in built for line in lines])
            progress.update(len(built))


def vacuum_analyze(tables: dict) -> None:
    """Planner statistics, and the visibility map that autovacuum would set later anyway."""
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table.model._meta.db_table)}")


def print_summary(tables: dict, partners: int, elapsed: float) -> None:
    rows = sum(table.rows for table in tables.values())
    print(f"\nWrote {rows:,} rows (+{partners} partners) in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s")
    print(f"{'table':<22}{'rows':>12}{'table MB':>11}{'index MB':>11}{'total MB':>11}")
    with connection.cursor() as cursor:
        for table in tables.values():
            name = table.model._meta.db_table
            cursor.execute(
                "SELECT pg_relation_size(%(t)s), pg_indexes_size(%(t)s), pg_total_relation_size(%(t)s)",
                {"t": name},
            )
            sizes = "".join(f"{size / 2**20:>11,.0f}" for size in cursor.fetchone())
            print(f"{name:<22}{table.rows:>12,}{sizes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to write (default 1,000,000)")
    parser.add_argument("--partners", type=int, default=50, help="partners to add to the demo ones")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random data")
    parser.add_argument("--batch", type=int, default=10_000, help="orders per COPY and transaction")
    args = parser.parse_args()
    prepare_database(args.partners)
    now = timezone.now()
    tables = {model: CopyTable(model, now) for model in (Offer, Order, OrderLine)}
    factory = OrderFactory(args.seed, now, customers=max(1, args.orders // 3))
    started = time.monotonic()
    with secondary_indexes_dropped(tables):
        load(factory, tables, args.orders, args.batch)
    vacuum_analyze(tables)
    print_summary(tables, args.partners, time.monotonic() - started)


if __name__ == "__main__":
    main()
