"""``manage.py close_invoices`` and the periodic task close ended months and say what they closed."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments import tasks
from payments.models import Invoice, InvoiceStatus
from tests import factories
from tests.invoicing_support import billed_order, product

pytestmark = pytest.mark.django_db


def close_invoices(*args: str) -> str:
    out = StringIO()
    call_command("close_invoices", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def march_orders(db):
    ticket = product(price="112.00", tax_rate="12")
    for name in ("Ada Travel", "Nordic Agency"):
        partner = factories.partner(invoice=True, name=name)
        billed_order(partner, (ticket, 1), at=datetime(2026, 3, 10, tzinfo=UTC))


def test_the_command_prints_each_invoice_it_closed(march_orders):
    output = close_invoices("--today", "2026-04-01")

    assert output.splitlines() == [
        "Closed INV-2026-00001: Ada Travel, 2026-03, 112.00 EUR",
        "Closed INV-2026-00002: Nordic Agency, 2026-03, 112.00 EUR",
        "2 invoices closed.",
    ]


def test_running_the_command_again_closes_nothing(march_orders):
    close_invoices("--today", "2026-04-01")

    output = close_invoices("--today", "2026-04-01")

    assert output == "Nothing to close: no open invoice of an ended month.\n"
    assert Invoice.objects.filter(status=InvoiceStatus.CLOSED).count() == 2


def test_a_date_before_the_month_ends_closes_nothing(march_orders):
    output = close_invoices("--today", "2026-03-31")

    assert output.startswith("Nothing to close")
    assert not Invoice.objects.filter(status=InvoiceStatus.CLOSED).exists()


def test_without_a_date_the_command_closes_what_has_ended_by_now(march_orders):
    output = close_invoices()

    assert output.endswith("2 invoices closed.\n")


def test_a_malformed_date_is_refused_before_anything_closes(march_orders):
    with pytest.raises(CommandError, match="is not a date like 2026-02-01"):
        close_invoices("--today", "1 April")

    assert not Invoice.objects.filter(status=InvoiceStatus.CLOSED).exists()


def test_a_future_date_is_refused_and_the_current_month_stays_open(db):
    partner = factories.partner(invoice=True, name="Ada Travel")
    billed_order(partner, (product(price="112.00", tax_rate="12"), 1), at=timezone.now())
    next_month = (timezone.now() + timedelta(days=40)).date().isoformat()

    with pytest.raises(CommandError, match=f"--today {next_month} is in the future"):
        close_invoices("--today", next_month)

    assert Invoice.objects.get().status == InvoiceStatus.OPEN


def test_the_periodic_task_closes_ended_months_and_is_scheduled(march_orders):
    assert "payments.tasks.close_invoices" in settings.PERIODIC_TASKS

    numbers = tasks.close_invoices.call()

    assert numbers == ["INV-2026-00001", "INV-2026-00002"]
    assert tasks.close_invoices.call() == []
