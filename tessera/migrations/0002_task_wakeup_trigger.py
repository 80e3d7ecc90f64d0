"""NOTIFY tessera_tasks when tasks are queued, so idle workers wake (tessera.background.wakeup).

PostgreSQL only; SQLite has no NOTIFY and its workers poll."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION tessera_tasks_wakeup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tessera_tasks', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER tessera_tasks_wakeup AFTER INSERT ON django_tasks_database_dbtaskresult
    FOR EACH STATEMENT EXECUTE FUNCTION tessera_tasks_wakeup();
"""

DROP = """
DROP TRIGGER IF EXISTS tessera_tasks_wakeup ON django_tasks_database_dbtaskresult;
DROP FUNCTION IF EXISTS tessera_tasks_wakeup();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("tessera", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop)]
