"""Helpers for voucher stock tests: a product sold from stock, its codes imported from a CSV."""

import itertools

from orders.stock_import import stock_import
from suppliers.models import InventoryImport, Product, StockSource, SupplierKind
from tessera.actors import Actor
from tests import factories

IMPORTER = Actor.system("stock-tests")
_serial = itertools.count(1)


def csv_of(rows: list[str], header: str = "code,pin,valid_until") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def new_codes(count: int) -> list[str]:
    """Codes no other test uses (they are unique per product anyway)."""
    return [f"STOCK-{next(_serial):06d}-CODE" for _ in range(count)]


def stock_product(*, codes: list[str] | int = 0, threshold: int = 10, **options) -> Product:
    """A gift card sold from Tessera's stock, with ``codes`` imported (a list, or how many)."""
    product = factories.product(kind=SupplierKind.VOUCHER, denominations=["20.00"], **options)
    Product.objects.filter(pk=product.pk).update(
        stock_source=StockSource.INVENTORY, low_stock_threshold=threshold
    )
    product.refresh_from_db()
    chosen = new_codes(codes) if isinstance(codes, int) else codes
    if chosen:
        import_codes(product, chosen)
    return product


def import_codes(product: Product, codes: list[str], *, pin: str = "") -> InventoryImport:
    rows = [f"{code},{pin}," for code in codes]
    return stock_import(product_id=product.pk, filename="codes.csv", content=csv_of(rows), actor=IMPORTER)


def stock_order(owner, product: Product, quantity: int = 1, **kwargs):
    return factories.order(
        owner=owner, product_obj=product, quantity=quantity, denomination="20.00", **kwargs
    )
