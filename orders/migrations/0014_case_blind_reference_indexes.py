"""The back office's order search ignores case and finds part of a customer's name or email.

External and supplier booking references are compared upper-cased, through functional indexes on
every database. On PostgreSQL, trigram (pg_trgm) GIN indexes on the upper-cased contact name and
the (lower-cased) contact email answer "contains" searches; SQLite has no such index, so there
the search stays exact (orders.admin_filters.search_orders).

PostgreSQL keeps statistics of an index's expression only once the table is analyzed; until
then it guesses that 0.5 % of the rows match UPPER(ref) = 'X' and walks a whole index instead of
probing the new one. So the migration ANALYZEs both tables (a sample, seconds at a million rows).
"""

import django.db.models.functions.text
from django.db import migrations, models

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS order_contact_name_trgm ON orders_order USING gin (UPPER(contact_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS order_contact_email_trgm ON orders_order USING gin (contact_email gin_trgm_ops)",
    "ANALYZE orders_order",
    "ANALYZE orders_orderline",
]
DROP = [
    "DROP INDEX IF EXISTS order_contact_name_trgm",
    "DROP INDEX IF EXISTS order_contact_email_trgm",
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0013_partner_customer_emails"),
        ("suppliers", "0004_time_ordered_ids"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="order", name="order_extref"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(django.db.models.functions.text.Upper("external_reference"), name="order_extref_upper"),
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(
                django.db.models.functions.text.Upper("supplier_booking_ref"), name="line_booking_ref_upper"
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
