"""The filters of ``GET /api/v1/products``."""

from suppliers.models import Product, SupplierKind
from tessera.api.filtering import EQUALITY, OperatorFilter, OperatorFilterSet, choice, text


class ProductFilters(OperatorFilterSet):
    kind = OperatorFilter(
        "kind", choice(SupplierKind.values), EQUALITY, help_text="rail, air, event or voucher."
    )
    supplier = OperatorFilter("supplier__slug", text(64), EQUALITY, help_text="Supplier slug.")

    class Meta:
        model = Product
        fields = []
