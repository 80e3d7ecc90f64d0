"""Partners' API keys: created (shown once), checked on every request, revoked."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from orders.locks import lock_api_key
from orders.models import ApiKey, Partner
from tessera.actors import Actor

KEY_PREFIX = "tsk"
LAST_USED_RESOLUTION_SECONDS = 60


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, partner: Partner, name: str, actor: Actor) -> tuple[ApiKey, str]:
    """Make a key for ``partner``. Returns the row and the plaintext key, which is never stored."""
    prefix = secrets.token_hex(6)
    raw_key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            partner=partner, name=name.strip() or "API key", prefix=prefix, key_hash=_hash(raw_key)
        )
    return key, raw_key


def api_key_revoke(*, key_id: int, actor: Actor) -> ApiKey:
    with transaction.atomic():
        key = lock_api_key(key_id)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
        return key


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key ``raw_key`` names, or None. Records when it was last used (per minute)."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("partner").filter(prefix=parts[1]).order_by().first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw_key)):
        return None
    if key.revoked_at is not None or not key.partner.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
