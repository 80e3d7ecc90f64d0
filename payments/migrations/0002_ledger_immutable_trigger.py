"""On PostgreSQL, the database itself refuses to change or delete ledger entries.

TRUNCATE (used by test flushes) is not affected. SQLite gets no trigger: Django's test flush there
deletes rows one table at a time, and the model and queryset guards still hold.
"""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION payments_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable; book a new entry instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_ledgerentry_immutable
    BEFORE UPDATE OR DELETE ON payments_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_ledgerentry_immutable ON payments_ledgerentry;
DROP FUNCTION IF EXISTS payments_ledger_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
