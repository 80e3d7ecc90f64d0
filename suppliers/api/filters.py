"""The filters of ``GET /api/v1/products``."""

import django_filters

from suppliers.models import Product, SupplierKind
from tessera.api.filtering import EQUALITY, OperatorFilter, choice, text


class ProductFilters(django_filters.FilterSet):
    kind = OperatorFilter(
        "kind", choice(SupplierKind.values), EQUALITY, help_text="rail, air, event or voucher."
    )
    supplier = OperatorFilter("supplier__slug", text(64), EQUALITY, help_text="Supplier slug.")

    class Meta:
        model = Product
        fields = []
