"""The load run's world, written into the database in DATABASE_URL (run by the harness):

    python -m tests.load.seed

Prints JSON: each partner's slug and raw API key, and the products the clients order. Every
product but one fails 30 % of the sandbox calls (retryable) and times out on 10 % (the call is
carried out, its answer lost); on top of that one delivers every other item only, one refuses
every issue, one delivers late, one keeps a fee on refunds. LOAD-SLOW (6 s per call, no faults)
is for killing a worker in the middle of an issue call.
"""

import json
import os
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

# isort: split

from django.utils import timezone  # noqa: E402

from orders.models import Partner  # noqa: E402
from orders.services.api_keys import api_key_create  # noqa: E402
from payments.services import wallets  # noqa: E402
from suppliers.models import Delivery, Product, Supplier, SupplierKind  # noqa: E402
from tessera.actors import Actor  # noqa: E402

FAULTS = {"error_rate": 0.3, "timeout_rate": 0.1, "latency": 0.05}
ACTOR = Actor.system("load-seed")

# partner slug: wallet credits in EUR. load-tight runs out, so finalizes race for its last euros.
PARTNERS = {"load-a": Decimal("1000000.00"), "load-b": Decimal("1000000.00"), "load-tight": Decimal("400.00")}

# reference: (kind, price or denominations, extra fields, settings, weight in the traffic mix)
PRODUCTS = {
    "LOAD-RAIL": (SupplierKind.RAIL, "40.00", {}, {**FAULTS, "refund_fee": "2.50"}, 4),
    "LOAD-GIFT": (SupplierKind.VOUCHER, ["25.00", "50.00"], {}, FAULTS, 4),
    "LOAD-GIFT-PARTIAL": (SupplierKind.VOUCHER, ["30.00"], {}, {**FAULTS, "partial": True}, 1),
    "LOAD-GIFT-LATE": (
        SupplierKind.VOUCHER,
        ["20.00"],
        {"delivery": Delivery.DELAYED},
        {**FAULTS, "late": 2},
        1,
    ),
    "LOAD-EVENT-REFUSED": (SupplierKind.EVENT, "15.00", {}, {**FAULTS, "fail": "issue"}, 1),
    "LOAD-SLOW": (SupplierKind.VOUCHER, ["10.00"], {}, {"latency": 6}, 0),
}


def seed() -> dict:
    suppliers = {
        kind: Supplier.objects.create(name=f"Load {kind}", slug=f"load-{kind}", kind=kind, adapter="sandbox")
        for kind in {spec[0] for spec in PRODUCTS.values()}
    }
    departure = timezone.now() + timedelta(days=2)
    products = []
    for reference, (kind, price, extra, behaviour, weight) in PRODUCTS.items():
        denominations = price if isinstance(price, list) else []
        product = Product.objects.create(
            supplier=suppliers[kind],
            kind=kind,
            name=f"Load test {reference}",
            supplier_reference=reference,
            price=None if denominations else Decimal(price),
            denominations=denominations,
            currency="EUR",
            settings=behaviour,
            starts_at=departure if kind in (SupplierKind.RAIL, SupplierKind.EVENT) else None,
            from_place="Oslo S" if kind == SupplierKind.RAIL else "",
            to_place="Bergen" if kind == SupplierKind.RAIL else "",
            **extra,
        )
        products.append(
            {
                "id": product.pk,
                "reference": reference,
                "denominations": denominations,
                "travellers": kind == SupplierKind.RAIL,
                "quantity": 2 if behaviour.get("partial") else 1,
                "weight": weight,
            }
        )
    partners = []
    for slug, credits in PARTNERS.items():
        partner = Partner.objects.create(name=f"Load {slug}", slug=slug, currency="EUR", allows_wallet=True)
        wallets.wallet_open(partner=partner, currency="EUR")
        wallets.wallet_top_up(
            partner_id=partner.pk, currency="EUR", amount=credits, reference=f"load:{slug}", actor=ACTOR
        )
        _, raw_key = api_key_create(partner=partner, name="load run", actor=ACTOR)
        partners.append({"slug": slug, "key": raw_key})
    return {"partners": partners, "products": products}


if __name__ == "__main__":
    print(json.dumps(seed()))
