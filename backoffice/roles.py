"""The back office's roles as permission groups (DESIGN.md §8), kept by ``manage.py ensure_roles``.

* Support: sees everything; cancels PENDING orders, sends confirmations and tickets again and
  shows a customer's status link (``orders.change_order``); retries and reconciles lines
  (``orders.change_orderline``); writes internal notes (``orders.add_ordernote``); enables and
  disables partners' webhook endpoints and redelivers their events (``webhooks.change_*``).
  Reveals nothing, refunds nothing, moves no money.
* Finance: sees everything; refunds (``payments.add_refund``), tops up wallets
  (``payments.add_ledgerentry``: a top-up is a ledger entry), closes invoices
  (``payments.change_invoice``); writes internal notes (``orders.add_ordernote``).
* Admin: every permission, including revealing voucher codes and configuring partners,
  suppliers and staff; adds webhook endpoints, changes their URL and event types and rotates
  their secrets (``webhooks.add_webhookendpoint``: a URL decides where a partner's events go).

Each transition button and admin action checks one of these permissions, so a role can do
exactly what its group holds.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

SEEN_APPS = ("orders", "suppliers", "payments", "tessera", "webhooks")

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "Support": (
        "orders.change_order",
        "orders.change_orderline",
        "orders.add_ordernote",
        "webhooks.change_webhookendpoint",
        "webhooks.change_webhookdelivery",
    ),
    "Finance": (
        "payments.add_refund",
        "payments.add_ledgerentry",
        "payments.change_invoice",
        "orders.add_ordernote",
    ),
}
ADMIN = "Admin"


def _permissions(names: tuple[str, ...]) -> Q:
    query = Q(content_type__app_label__in=SEEN_APPS, codename__startswith="view_")
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return query


def roles_ensure() -> dict[str, int]:
    """Create the groups if missing and set each one's permissions to exactly its role's.

    Safe to run again: a changed group is put back, new models' view permissions are added.
    Returns the number of permissions of each group.
    """
    counts = {}
    with transaction.atomic():
        for name, extra in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=name)
            permissions = list(Permission.objects.filter(_permissions(extra)).select_related("content_type"))
            missing = set(extra) - {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
            if missing:
                raise LookupError(f"Unknown permissions for {name}: {sorted(missing)} (run migrate first)")
            group.permissions.set(permissions)
            counts[name] = len(permissions)
        admin, _ = Group.objects.get_or_create(name=ADMIN)
        admin.permissions.set(Permission.objects.all())
        counts[ADMIN] = admin.permissions.count()
    return counts
