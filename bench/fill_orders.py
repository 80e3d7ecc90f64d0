"""Fill a PostgreSQL database with benchmark orders, so list endpoints and the admin can be measured.

Runs ``migrate`` and ``seed_demo``, adds ``--partners`` partners, then COPYs one offer, one order
and one to three lines per order: seeded, realistic and consistent data (statuses, times, money,
line states), and ends with VACUUM ANALYZE and a summary of rows, speed and sizes. Columns come
from the models; any the generator does not set gets the field's default. Use a fresh database:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE tessera_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_bench \\
        .venv/bin/python bench/fill_orders.py --orders 1000000 --partners 50 [--seed 1] [--batch 10000]
"""
# ruff: noqa: E402  (Django is set up before the project's imports)

import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid
from base64 import urlsafe_b64encode
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from orders.models import Order, OrderLine, Partner
from orders.statuses import LinePhase, LineStatus, OrderStatus
from suppliers.models import Offer, Product

OS, LS = OrderStatus, LineStatus
STATUS_WEIGHTS = {
    OS.FULFILLED: 72, OS.EXPIRED: 8, OS.CANCELED: 5, OS.REFUNDED: 4, OS.FAILED: 3, OS.PENDING: 3,
    OS.PARTIALLY_FULFILLED: 2, OS.PARTIALLY_REFUNDED: 2, OS.PROCESSING: 1,
}  # fmt: skip
# Order status → (status of line 1, status of the other lines, their phase).
LINE_STATUSES = {
    OS.PENDING: (LS.RESERVED, LS.RESERVED, LinePhase.RESERVE),
    OS.PROCESSING: (LS.ISSUING, LS.ISSUING, LinePhase.ISSUE),
    OS.FULFILLED: (LS.ISSUED, LS.ISSUED, LinePhase.ISSUE),
    OS.PARTIALLY_FULFILLED: (LS.ISSUED, LS.FAILED, LinePhase.ISSUE),
    OS.PARTIALLY_REFUNDED: (LS.REFUNDED, LS.ISSUED, LinePhase.ISSUE),
    OS.REFUNDED: (LS.REFUNDED, LS.REFUNDED, LinePhase.ISSUE),
    OS.CANCELED: (LS.RELEASED, LS.RELEASED, LinePhase.RESERVE),
    OS.EXPIRED: (LS.RELEASED, LS.RELEASED, LinePhase.RESERVE),
    OS.FAILED: (LS.FAILED, LS.RELEASED, LinePhase.RESERVE),
}
NEEDS_TWO_LINES = {OS.PARTIALLY_FULFILLED, OS.PARTIALLY_REFUNDED}
RECENT = {OS.PENDING, OS.PROCESSING}
FINALIZED = {OS.PROCESSING, OS.FULFILLED, OS.PARTIALLY_FULFILLED, OS.PARTIALLY_REFUNDED, OS.REFUNDED}
EXPIRY_SECONDS = settings.ORDER_EXPIRY_DEFAULT.total_seconds()
# Seconds from finalized_at (or created_at) to the order's last change.
LAST_CHANGE_AFTER = {
    OS.PENDING: (0, 60), OS.PROCESSING: (0, 0), OS.FULFILLED: (1, 60), OS.PARTIALLY_FULFILLED: (1, 60),
    OS.REFUNDED: (3600, 30 * 86400), OS.PARTIALLY_REFUNDED: (3600, 30 * 86400), OS.FAILED: (1, 30),
    OS.CANCELED: (10, EXPIRY_SECONDS), OS.EXPIRED: (EXPIRY_SECONDS, EXPIRY_SECONDS + 30),
}  # fmt: skip
FAILURES = {
    LinePhase.RESERVE: ("SOLD_OUT", "Sold out on the requested departure."),
    LinePhase.ISSUE: ("OUT_OF_STOCK", "Out of stock for this item."),
}
BOOKED = {LS.ISSUED, LS.REFUNDED}
CURRENCY_RATES = {"EUR": Decimal(1), "NOK": Decimal("11.50"), "USD": Decimal("1.08")}
CURRENCY_WEIGHTS = [85, 10, 5]
CLIENT_NAMES, CLIENT_WEIGHTS = ["web-shop", "ios-app", "android-app", "backoffice", ""], [40, 20, 15, 5, 20]
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
YEAR_SECONDS = 365 * 86400
CENT = Decimal("0.01")


def order_reference(n: int) -> str:
    """``B-`` and n in base 32, 10 digits: unique, and never a ``T-`` reference of the app."""
    digits = ""
    for _ in range(10):
        n, digit = divmod(n, 32)
        digits = REFERENCE_ALPHABET[digit] + digits
    return "B-" + digits


def sequence_uuid(n: int, salt: int) -> uuid.UUID:
    """A random-looking UUID4, unique by construction: its low 62 bits are a bijection of n."""
    low = (n + salt * 0x5851F42D4C957F2D) * 0x9E3779B97F4A7C15 % 2**62
    high = (n + salt) * 0xD1B54A32D192ED03 % 2**64
    return uuid.UUID(int=high << 64 | low, version=4)


def order_key(n: int) -> str:
    return urlsafe_b64encode(hashlib.blake2b(b"order-key:%d" % n, digest_size=24).digest()).decode()


def copy_value(field: models.Field, value):
    """A Python value as COPY takes it: JSON as text, None as NULL."""
    if isinstance(field, models.JSONField) and not (value is None and field.null):
        return json.dumps(value, cls=field.encoder or DjangoJSONEncoder)
    return value


def default_for(field: models.Field, now):
    """A function giving the field's default for one row (callable defaults are called per row)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if callable(field.default):
        return lambda: copy_value(field, field.get_default())
    value = copy_value(field, field.get_default())
    return lambda: value


def filled_by_database(field: models.Field) -> bool:
    return isinstance(field, models.AutoField) or field.generated or field.has_db_default()


class CopyTable:
    """COPY into one model's table: the generator's values by attname, the model's defaults for the rest."""

    def __init__(self, model, now):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not filled_by_database(f)]
        self.attnames = [f.attname for f in fields]
        self.defaults = {f.attname: default_for(f, now) for f in fields}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        self.rows = 0

    def write(self, cursor, rows: list[dict]) -> None:
        unknown = rows[0].keys() - self.defaults.keys()
        if unknown:
            raise SystemExit(f"{self.model.__name__} has no column for {sorted(unknown)}")
        with cursor.copy(self.sql) as copy:
            for values in rows:
                copy.write_row([values[a] if a in values else self.defaults[a]() for a in self.attnames])
        self.rows += len(rows)


class OrderFactory:
    """Builds order number n with its offer and lines, as dicts by attname, from a seeded random."""

    def __init__(self, seed: int, now, customers: int):
        self.rng, self.now, self.customers = random.Random(seed), now, customers
        self.partners = [p for p in Partner.objects.order_by("pk") if p.billing_modes]
        self.rng.shuffle(self.partners)  # which partners are the big ones
        self.partner_weights = [1 / rank**1.2 for rank in range(1, len(self.partners) + 1)]
        self.products = list(Product.objects.filter(is_active=True).order_by("pk"))

    def build(self, n: int) -> tuple[dict, dict, list[dict]]:
        rng = self.rng
        partner = rng.choices(self.partners, self.partner_weights)[0]
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        product = rng.choice(self.products)
        quantity = rng.choices((1, 2, 3), (60, 30, 10))[0]
        quantity = max(quantity, 2) if status in NEEDS_TWO_LINES else quantity
        currency = rng.choices(list(CURRENCY_RATES), CURRENCY_WEIGHTS)[0]
        face = Decimal(rng.choice(product.denominations)) if product.denominations else None
        unit_price = ((face or product.price) * CURRENCY_RATES[currency]).quantize(CENT)
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

    def times(self, status):
        """created_at, expires_at, finalized_at and updated_at of an order in ``status``."""
        rng, now = self.rng, self.now
        age = rng.uniform(0, 900) if status in RECENT else rng.uniform(3600, YEAR_SECONDS)
        created = now - timedelta(seconds=age)
        finalized = None
        if status in FINALIZED:
            finalized = min(now, created + timedelta(seconds=rng.uniform(20, 600)))
        updated = (finalized or created) + timedelta(seconds=rng.uniform(*LAST_CHANGE_AFTER[status]))
        return created, created + settings.ORDER_EXPIRY_DEFAULT, finalized, min(updated, now)


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
    first, others, phase = LINE_STATUSES[status]
    lines = []
    for position in range(1, offer["quantity"] + 1):
        line_status = first if position == 1 else others
        failed = line_status == LS.FAILED
        supplier_ref = f"SBX{n * 4 + position:012X}"
        lines.append({
            "order_id": order["id"], "position": position, "offer_id": offer["id"],
            "product_id": product.pk, "supplier_id": product.supplier_id, "status": line_status,
            "phase": phase, "description": product.name, "amount": offer["unit_price"],
            "currency": offer["currency"], "denomination": offer["denomination"],
            "starts_at": product.starts_at, "from_place": product.from_place, "to_place": product.to_place,
            "supplier_reservation_ref": "" if failed and phase == LinePhase.RESERVE else supplier_ref,
            "supplier_booking_ref": supplier_ref if line_status in BOOKED else "",
            "failure_code": FAILURES[phase][0] if failed else "",
            "failure_reason": FAILURES[phase][1] if failed else "",
            "waiting_since": order["finalized_at"] if line_status == LS.ISSUING else None,
            "created_at": order["created_at"], "updated_at": order["updated_at"],
        })  # fmt: skip
    return lines


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to write (default 1,000,000)")
    parser.add_argument("--partners", type=int, default=50, help="partners to add to the demo ones")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random data")
    parser.add_argument("--batch", type=int, default=10_000, help="orders per COPY and transaction")
    return parser.parse_args()


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


def load(factory: OrderFactory, tables: dict, orders: int, batch: int) -> None:
    """Orders 1..orders, ``batch`` at a time: one transaction (and COPY per table) each."""
    with tqdm(total=orders, unit="order", unit_scale=True) as progress:
        for start in range(1, orders + 1, batch):
            numbers = range(start, min(start + batch, orders + 1))
            built = [factory.build(n) for n in numbers]
            with transaction.atomic(), connection.cursor() as cursor:
                tables[Offer].write(cursor, [offer for offer, _, _ in built])
                tables[Order].write(cursor, [order for _, order, _ in built])
                tables[OrderLine].write(cursor, [line for _, _, lines in built for line in lines])
            progress.update(len(numbers))


def vacuum_analyze(tables: dict) -> None:
    """Statistics for the planner, and the visibility map autovacuum would set later anyway."""
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
                "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s)", [name] * 3
            )
            sizes = "".join(f"{size / 2**20:>11,.0f}" for size in cursor.fetchone())
            print(f"{name:<22}{table.rows:>12,}{sizes}")


def main() -> None:
    args = parse_args()
    prepare_database(args.partners)
    now = timezone.now()
    tables = {model: CopyTable(model, now) for model in (Offer, Order, OrderLine)}
    started = time.monotonic()
    load(OrderFactory(args.seed, now, customers=max(1, args.orders // 3)), tables, args.orders, args.batch)
    vacuum_analyze(tables)
    print_summary(tables, args.partners, time.monotonic() - started)


if __name__ == "__main__":
    main()
