"""``manage.py ensure_roles``: the Support, Finance and Admin groups with their permissions."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from backoffice.roles import roles_ensure

DEMO_USERS = {"support": "Support", "finance": "Finance"}


class Command(BaseCommand):
    help = "Create or repair the staff roles (groups Support, Finance, Admin). Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help="Also create the staff logins support and finance (DEBUG only; password = the "
            "username, or DEMO_STAFF_PASSWORD).",
        )

    def handle(self, *args, demo_users: bool = False, **options) -> None:
        for name, count in roles_ensure().items():
            self.stdout.write(f"Role {name}: {count} permissions")
        if demo_users:
            self._demo_users()

    def _demo_users(self) -> None:
        if not settings.DEBUG:
            self.stdout.write("No demo staff logins: they are for development, and DEBUG is off.")
            return
        users = get_user_model().objects
        for username, role in DEMO_USERS.items():
            password = os.environ.get("DEMO_STAFF_PASSWORD") or username
            user, created = users.get_or_create(
                username=username, defaults={"is_staff": True, "email": f"{username}@localhost"}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
            shown = password if created else "unchanged"
            self.stdout.write(f"Staff login ({role}): {username} / {shown}")
