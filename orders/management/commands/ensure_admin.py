"""``manage.py ensure_admin``: make sure a superuser exists and print how to log in."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the admin login if it does not exist (ADMIN_USERNAME / ADMIN_PASSWORD)."

    def handle(self, *args, **options) -> None:
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD")
        if not password:
            if not settings.DEBUG:
                raise CommandError("Set ADMIN_PASSWORD when DEBUG is off.")
            password = "admin"
        users = get_user_model().objects
        user = users.filter(username=username).first()
        if user is None:
            users.create_superuser(username=username, email=f"{username}@localhost", password=password)
            self.stdout.write(f"Admin login created: {username} / {password}")
        elif os.environ.get("ADMIN_PASSWORD") or not user.has_usable_password():
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Admin login: {username} / {password}")
        else:
            self.stdout.write(f"Admin login: {username} (password unchanged; default for a new one: admin)")
