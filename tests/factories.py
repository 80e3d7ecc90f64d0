"""Small factories that build valid domain objects through the real services where they exist."""

import itertools
from decimal import Decimal

from orders.models import Order, Partner
from orders.services import creation, inputs
from payments.services import wallets
from suppliers.models import Product, Supplier, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor

_seq = itertools.count(1)


def partner(
    *,
    wallet: Decimal | str | None = None,
    invoice: bool = False,
    gateway: bool = False,
    currency: str = "EUR",
    name: str | None = None,
) -> Partner:
    n = next(_seq)
    p = Partner.objects.create(
        name=name or f"Partner {n}",
        slug=f"partner-{n}",
        currency=currency,
        allows_wallet=wallet is not None,
        allows_invoice=invoice,
        allows_gateway=gateway,
    )
    if wallet is not None:
        wallets.wallet_open(partner=p, currency=currency)
        if Decimal(wallet) > 0:
            wallets.wallet_top_up(
                partner_id=p.pk,
                currency=currency,
                amount=Decimal(wallet),
                reference=f"test-credit-{n}",
                actor=Actor.system("tests"),
            )
    return p


def supplier(kind: str = SupplierKind.RAIL, **fields) -> Supplier:
    """A sandbox supplier. Its breaker opens only after 100 failures in a row unless a test says
    otherwise (``breaker_failure_threshold``): tests of retries fail a supplier on purpose."""
    n = next(_seq)
    return Supplier.objects.create(
        name=f"Supplier {n}",
        slug=f"supplier-{n}",
        kind=kind,
        adapter="sandbox",
        **{"breaker_failure_threshold": 100, **fields},
    )


def product(
    *,
    kind: str = SupplierKind.RAIL,
    price: str | None = "100.00",
    currency: str = "EUR",
    denominations: list[str] | None = None,
    behaviour: dict | None = None,
    supplier_obj: Supplier | None = None,
) -> Product:
    n = next(_seq)
    if denominations:
        price = None
    return Product.objects.create(
        supplier=supplier_obj or supplier(kind),
        kind=kind,
        name=f"{kind} product {n}",
        supplier_reference=f"REF-{n}",
        price=Decimal(price) if price is not None else None,
        currency=currency,
        denominations=denominations or [],
        settings=behaviour or {},
        from_place="Oslo S" if kind in (SupplierKind.RAIL, SupplierKind.AIR) else "",
        to_place="Bergen" if kind in (SupplierKind.RAIL, SupplierKind.AIR) else "",
    )


def travellers(count: int) -> list[inputs.TravellerInput]:
    return [inputs.TravellerInput(given_name="Ada", family_name=f"Traveller{i}") for i in range(count)]


def order(
    *,
    owner: Partner,
    product_obj: Product,
    quantity: int = 1,
    denomination: str | None = None,
    contact_email: str = "buyer@example.com",
    **kwargs,
) -> Order:
    """Create a PENDING order (lines RESERVING) for one product, through the real services."""
    offer = offer_quote(
        partner=owner, product_id=product_obj.pk, quantity=quantity, denomination=denomination
    )
    people = travellers(quantity) if product_obj.requires_traveller else []
    return creation.order_create(
        partner=owner,
        offer_ids=[offer.pk],
        travellers=people,
        contact=inputs.ContactInput(name="Buyer", email=contact_email),
        actor=Actor.partner(owner),
        **kwargs,
    )
