"""``manage.py document_catalogs``: rewrite docs/api.md's error and event-type tables from the code."""

from django.conf import settings
from django.core.management.base import BaseCommand

from tessera.catalog_docs import rewritten


class Command(BaseCommand):
    help = "Rewrite the error codes and event types tables of docs/api.md from the classes and the enum."

    def handle(self, *args, **options) -> None:
        guide = settings.BASE_DIR / "docs" / "api.md"
        page = guide.read_text()
        new = rewritten(page)
        guide.write_text(new)
        self.stdout.write(
            f"{guide.relative_to(settings.BASE_DIR)}: {'rewritten' if new != page else 'up to date'}"
        )
