"""Admin building blocks for records the lifecycle owns: staff read them, services write them."""

from operator import attrgetter

from django.contrib import admin

from tessera.money import format_amount


def money(field: str, *, currency: str = "currency", label: str | None = None):
    """A column showing ``field`` as money in its currency ("50.00 EUR"), sortable by the field."""
    read_currency = attrgetter(currency)

    @admin.display(description=label or field.replace("_", " "), ordering=field)
    def show(obj) -> str:
        value = getattr(obj, field)
        if value is None:
            return "-"
        code = read_currency(obj)
        return f"{format_amount(value, code)} {code}"

    return show


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Every field shown read-only, no adding or deleting; lists skip the full COUNT."""

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + list(self.readonly_fields)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
