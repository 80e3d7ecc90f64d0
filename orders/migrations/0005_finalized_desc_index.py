"""``orderBy=finalizedAt&sortBy=desc`` puts never-finalized orders last; on PostgreSQL an index in
that exact order keeps it an index scan. SQLite cannot declare NULLS LAST in an index and its
orders per partner are few, so it does without.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS order_partner_finalized_desc "
    "ON orders_order (partner_id, finalized_at DESC NULLS LAST)"
)
DROP = "DROP INDEX IF EXISTS order_partner_finalized_desc"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
