"""``manage.py close_invoices [--today YYYY-MM-DD]``: close the invoices of every ended month."""

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.services.invoicing import invoices_close
from tessera.actors import Actor
from tessera.money import format_amount


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-02-01") from exc


class Command(BaseCommand):
    help = (
        "Close every open invoice whose month has ended: number it, fix its totals, store its PDF "
        "and CSV. Safe to run again (or while the periodic task runs): nothing closes twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today",
            type=iso_date,
            help="close as if today were this date (UTC; not a future one), e.g. to catch up on a missed run",
        )

    def handle(self, *args, today: date | None, **options) -> None:
        now = timezone.now().date()
        if today is not None and today > now:
            raise CommandError(
                f"--today {today} is in the future (today is {now} UTC): it would close months that "
                "have not ended, and an invoice closes once. Leave --today out, or give a past date."
            )
        closed = invoices_close(actor=Actor.system("manage.py close_invoices"), today=today)
        for invoice in closed:
            total = format_amount(invoice.total_amount, invoice.currency)
            self.stdout.write(
                f"Closed {invoice.number}: {invoice.partner.name}, {invoice.period_start:%Y-%m}, "
                f"{total} {invoice.currency}"
            )
        if closed:
            self.stdout.write(f"{len(closed)} invoice{'s' if len(closed) != 1 else ''} closed.")
        else:
            self.stdout.write("Nothing to close: no open invoice of an ended month.")
