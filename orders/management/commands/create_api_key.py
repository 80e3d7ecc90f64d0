"""``manage.py create_api_key PARTNER_SLUG [--name NAME]``: make a key and show it once."""

from django.core.management.base import BaseCommand, CommandError

from orders.models import Partner
from orders.services.api_keys import api_key_create
from tessera.actors import Actor


class Command(BaseCommand):
    help = "Create an API key for a partner. The key is printed once and never stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("partner", help="partner slug, e.g. fjord-travel")
        parser.add_argument("--name", default="API key", help="what the key is for")
        parser.add_argument("--quiet", action="store_true", help="print only the key")

    def handle(self, *args, partner: str, name: str, quiet: bool, **options) -> None:
        owner = Partner.objects.filter(slug=partner).first()
        if owner is None:
            raise CommandError(f"No partner with slug {partner!r}.")
        key, raw_key = api_key_create(
            partner=owner, name=name, actor=Actor.system("manage.py create_api_key")
        )
        if quiet:
            self.stdout.write(raw_key)
            return
        self.stdout.write(
            f"API key for {owner.name} ({key.name}), shown once; store it now:\n\n  {raw_key}\n"
        )
