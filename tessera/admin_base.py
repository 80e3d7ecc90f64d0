"""Admin building blocks for records the lifecycle owns: staff read them, services write them."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Every field shown read-only, no adding or deleting; lists skip the full COUNT."""

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

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
