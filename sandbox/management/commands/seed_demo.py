"""``manage.py seed_demo``: the demo partners, suppliers and products. Safe to run again."""

import secrets
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from orders.models import Partner
from orders.stock_import import stock_import
from payments.models import Wallet
from payments.services import wallets
from suppliers.models import Delivery, Product, StockSource, Supplier, SupplierKind
from tessera.actors import Actor
from tessera.money import format_amount

WALLET_CREDITS = Decimal("5000.00")
DEMO_STOCK_CODES = 25

PARTNERS = [
    {"slug": "fjord-travel", "name": "Fjord Travel (wallet)", "allows_wallet": True},
    {"slug": "nordic-agency", "name": "Nordic Agency (invoice)", "allows_invoice": True},
    {
        "slug": "citybreaks",
        "name": "CityBreaks App (gateway)",
        "allows_gateway": True,
        "seller_name": "CityBreaks AS (demo)",
        "seller_address": "Karl Johans gate 1\n0154 Oslo\nNorway",
        "seller_vat_number": "NO 999 999 999 MVA",
    },
]
OSLO, AMSTERDAM = "Europe/Oslo", "Europe/Amsterdam"

# VAT included in the demo prices, by kind of product (passenger transport, events, vouchers).
TAX_RATES = {
    SupplierKind.RAIL: Decimal("12.00"),
    SupplierKind.AIR: Decimal("0.00"),
    SupplierKind.EVENT: Decimal("9.00"),
    SupplierKind.VOUCHER: Decimal("0.00"),
}

SUPPLIERS = [
    # A rail operator takes up to 30 s to pre-book: it may have many calls in flight.
    {"slug": "sandbox-rail", "name": "Sandbox Rail", "kind": SupplierKind.RAIL, "max_concurrent_calls": 100},
    {"slug": "sandbox-air", "name": "Sandbox Air", "kind": SupplierKind.AIR},
    {"slug": "sandbox-events", "name": "Sandbox Events", "kind": SupplierKind.EVENT},
    {"slug": "sandbox-vouchers", "name": "Sandbox Vouchers", "kind": SupplierKind.VOUCHER},
]


# What an amendment may do with a Bergen ticket: exchange it for a fee, or give it up keeping one.
BERGEN_CHANGES = {
    "change_fee": Decimal("25.00"),
    "cancellation_fee": Decimal("50.00"),
    "allows_traveller_change": True,
    "traveller_change_fee": Decimal("2.00"),
}


def _local(now, zone: str, *, days: int, hour: int, minute: int):
    """``days`` from now at ``hour``:``minute`` on the clocks of ``zone``."""
    day = (now + timedelta(days=days)).astimezone(ZoneInfo(zone))
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _products(now):
    tomorrow = _local(now, OSLO, days=1, hour=7, minute=25)
    tomorrow_afternoon = _local(now, OSLO, days=1, hour=15, minute=25)
    next_week = _local(now, OSLO, days=7, hour=19, minute=30)
    tomorrow_amsterdam = _local(now, AMSTERDAM, days=1, hour=9, minute=40)
    return [
        (
            "sandbox-rail",
            "OSL-BGO-0725",
            {
                "name": "Oslo S → Bergen, 07:25 (instant)",
                "price": "899.00",
                "currency": "EUR",
                "starts_at": tomorrow,
                "time_zone": OSLO,
                "from_place": "NSR:StopPlace:337",
                "from_place_name": "Oslo S",
                "to_place": "NSR:StopPlace:548",
                "to_place_name": "Bergen",
                **BERGEN_CHANGES,
            },
        ),
        (
            "sandbox-rail",
            "OSL-TRD-SLOW",
            {
                "name": "Oslo S → Trondheim (operator takes 30 s to pre-book)",
                "price": "749.00",
                "currency": "EUR",
                "starts_at": tomorrow,
                "time_zone": OSLO,
                "from_place": "NSR:StopPlace:337",
                "from_place_name": "Oslo S",
                "to_place": "NSR:StopPlace:659",
                "to_place_name": "Trondheim S",
                "settings": {"latency": 30},
            },
        ),
        (
            "sandbox-air",
            "AMS-LHR-TB201",
            {
                "name": "Amsterdam → London TB201 (instant)",
                "price": "260.32",
                "currency": "EUR",
                "starts_at": tomorrow_amsterdam,
                "time_zone": AMSTERDAM,
                "from_place": "AMS",
                "from_place_name": "Amsterdam Schiphol",
                "to_place": "LHR",
                "to_place_name": "London Heathrow",
            },
        ),
        (
            "sandbox-air",
            "AMS-CDG-FAILS",
            {
                "name": "Amsterdam → Paris (ticketing always fails)",
                "price": "180.00",
                "currency": "EUR",
                "starts_at": tomorrow_amsterdam,
                "time_zone": AMSTERDAM,
                "from_place": "AMS",
                "from_place_name": "Amsterdam Schiphol",
                "to_place": "CDG",
                "to_place_name": "Paris Charles de Gaulle",
                "settings": {"fail": "issue"},
            },
        ),
        (
            "sandbox-events",
            "CONCERT-GA",
            {
                "name": "Concert, general admission (instant)",
                "price": "45.00",
                "currency": "EUR",
                "starts_at": next_week,
                "time_zone": OSLO,
                "from_place": "Spektrum Oslo",
                "from_place_name": "Oslo Spektrum",
            },
        ),
        (
            "sandbox-events",
            "FESTIVAL-TIMEOUT",
            {
                "name": "Festival pass (supplier times out → UNKNOWN, then reconciled)",
                "price": "120.00",
                "currency": "EUR",
                "starts_at": next_week,
                "time_zone": OSLO,
                "from_place": "Tons of Rock",
                "from_place_name": "Tons of Rock, Ekebergsletta, Oslo",
                "settings": {"timeout": "issue", "latency": 2},
            },
        ),
        (
            "sandbox-vouchers",
            "GIFT-INSTANT",
            {
                "name": "Gift card (instant)",
                "denominations": ["25.00", "50.00", "100.00"],
                "currency": "EUR",
            },
        ),
        (
            "sandbox-vouchers",
            "GIFT-PARTIAL",
            {
                "name": "Gift card (supplier delivers every other card)",
                "denominations": ["25.00", "50.00"],
                "currency": "EUR",
                "settings": {"partial": True},
            },
        ),
        (
            "sandbox-vouchers",
            "GIFT-DELAYED",
            {
                "name": "Gift card (delivered 20 s later)",
                "denominations": ["50.00"],
                "currency": "EUR",
                "delivery": Delivery.DELAYED,
                "settings": {"late": 20},
            },
        ),
        (
            "sandbox-vouchers",
            "GIFT-STOCK",
            {
                "name": "Gift card from Tessera's stock (codes bought in bulk)",
                "denominations": ["20.00"],
                "currency": "EUR",
                "stock_source": StockSource.INVENTORY,
                "low_stock_threshold": 5,
            },
        ),
        (
            # The later train an amendment exchanges the 07:25 for (docs/api.md); last, so that the
            # other products keep the ids the guide shows.
            "sandbox-rail",
            "OSL-BGO-1525",
            {
                "name": "Oslo S → Bergen, 15:25 (instant)",
                "price": "949.00",
                "currency": "EUR",
                "starts_at": tomorrow_afternoon,
                "time_zone": OSLO,
                "from_place": "NSR:StopPlace:337",
                "from_place_name": "Oslo S",
                "to_place": "NSR:StopPlace:548",
                "to_place_name": "Bergen",
                **BERGEN_CHANGES,
            },
        ),
    ]


def _demo_stock_csv(now) -> bytes:
    """DEMO_STOCK_CODES random codes with PINs, valid for a year: the CSV staff would import."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    until = (now + timedelta(days=365)).date().isoformat()
    rows = ["code,pin,valid_until"]
    for _ in range(DEMO_STOCK_CODES):
        groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
        rows.append(f"DEMO-{'-'.join(groups)},{secrets.randbelow(10_000):04d},{until}")
    return "\n".join(rows).encode()


def _adapter_of(kind: str) -> dict:
    """Rail and vouchers reach the supplier simulator over HTTP when SUPPLIER_SIMULATOR_URL is
    set (``make run`` starts it and sets it); otherwise every demo supplier is the in-process
    sandbox (tests, benchmarks), which has no exchange call. Over HTTP the rail supplier
    exchanges tickets through its change call; the voucher supplier does not."""
    url = settings.SUPPLIER_SIMULATOR_URL
    if url and kind in {SupplierKind.RAIL, SupplierKind.VOUCHER}:
        return {
            "adapter": "http_json",
            "settings": {"base_url": url},
            "supports_exchange": kind == SupplierKind.RAIL,
        }
    return {"adapter": "sandbox", "settings": {}, "supports_exchange": False}


class Command(BaseCommand):
    help = "Create or refresh the demo partners, suppliers, products and wallet credits."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        with transaction.atomic():
            partners = {}
            for spec in PARTNERS:
                defaults = {
                    "allows_wallet": False,
                    "allows_invoice": False,
                    "allows_gateway": False,
                    "seller_name": "",
                    "seller_address": "",
                    "seller_vat_number": "",
                    **spec,
                }
                partners[spec["slug"]], _ = Partner.objects.update_or_create(
                    slug=spec["slug"], defaults={**defaults, "currency": "EUR"}
                )
            suppliers = {}
            for spec in SUPPLIERS:
                suppliers[spec["slug"]], _ = Supplier.objects.update_or_create(
                    slug=spec["slug"], defaults={**spec, **_adapter_of(spec["kind"])}
                )
            for supplier_slug, reference, spec in _products(now):
                supplier = suppliers[supplier_slug]
                Product.objects.update_or_create(
                    supplier=supplier,
                    supplier_reference=reference,
                    defaults={
                        "kind": supplier.kind,
                        "tax_rate": TAX_RATES[supplier.kind],
                        "price": None,
                        "denominations": [],
                        "settings": {},
                        "delivery": Delivery.REALTIME,
                        **spec,
                    },
                )
            wallet_partner = partners["fjord-travel"]
            wallets.wallet_open(partner=wallet_partner, currency="EUR")
        stock = Product.objects.get(supplier__slug="sandbox-vouchers", supplier_reference="GIFT-STOCK")
        if not stock.inventory_codes.exists():
            stock_import(
                product_id=stock.pk,
                filename="demo-stock.csv",
                content=_demo_stock_csv(now),
                actor=Actor.system("seed_demo"),
            )
        wallet = Wallet.objects.get(partner=wallet_partner, currency="EUR")
        if not wallet.entries.exists():
            wallets.wallet_top_up(
                partner_id=wallet_partner.pk,
                currency="EUR",
                amount=WALLET_CREDITS,
                reference="demo:initial-credits",
                actor=Actor.system("seed_demo"),
                memo="Demo credits",
            )
        wallet.refresh_from_db()
        self.stdout.write(
            f"Demo data ready: {Partner.objects.count()} partners, {Supplier.objects.count()} suppliers, "
            f"{Product.objects.count()} products; {wallet_partner.name} wallet holds "
            f"{format_amount(wallet.balance, wallet.currency)} EUR; {stock.name} holds "
            f"{stock.inventory_codes.count()} codes."
        )
