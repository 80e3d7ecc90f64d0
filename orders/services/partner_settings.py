"""A partner's own settings, changed through the API (staff change them in the admin)."""

from django.db import transaction

from orders.models import Partner


def partner_settings_update(*, partner_id: int, customer_emails: bool | None = None) -> Partner:
    """Set what the partner changed; returns the partner as it is now."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        if customer_emails is not None and customer_emails != partner.customer_emails:
            partner.customer_emails = customer_emails
            partner.save(update_fields=["customer_emails"])
        return partner
