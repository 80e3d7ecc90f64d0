"""On PostgreSQL, the database itself refuses to change a closed invoice, its items or a credit note.

An OPEN invoice may still gain items and have its totals fixed at closing; once CLOSED, its row
and items are frozen. Credit notes are written once. TRUNCATE (test flushes) is not affected.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION payments_closed_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'CLOSED' THEN
        RAISE EXCEPTION 'a closed invoice never changes'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' AND OLD.status = 'CLOSED' THEN
        RAISE EXCEPTION 'a closed invoice never changes'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_invoice_closed_immutable
    BEFORE UPDATE OR DELETE ON payments_invoice
    FOR EACH ROW EXECUTE FUNCTION payments_closed_invoice_immutable();

CREATE OR REPLACE FUNCTION payments_closed_invoice_items_immutable() RETURNS trigger AS $$
DECLARE
    invoice_status varchar;
BEGIN
    SELECT status INTO invoice_status FROM payments_invoice
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF TG_OP <> 'INSERT' OR invoice_status = 'CLOSED' THEN
        RAISE EXCEPTION 'invoice items are written once, and only to an open invoice'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_invoiceitem_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON payments_invoiceitem
    FOR EACH ROW EXECUTE FUNCTION payments_closed_invoice_items_immutable();

CREATE OR REPLACE FUNCTION payments_credit_note_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credit notes are written once and never change'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_creditnote_immutable
    BEFORE UPDATE OR DELETE ON payments_creditnote
    FOR EACH ROW EXECUTE FUNCTION payments_credit_note_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_invoice_closed_immutable ON payments_invoice;
DROP FUNCTION IF EXISTS payments_closed_invoice_immutable();
DROP TRIGGER IF EXISTS payments_invoiceitem_immutable ON payments_invoiceitem;
DROP FUNCTION IF EXISTS payments_closed_invoice_items_immutable();
DROP TRIGGER IF EXISTS payments_creditnote_immutable ON payments_creditnote;
DROP FUNCTION IF EXISTS payments_credit_note_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_gateway_refunds_invoices")]
    operations = [migrations.RunPython(create, drop)]
