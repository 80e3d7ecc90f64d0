"""Sealing voucher secrets at rest with AES-256-GCM.

Keys come from settings.VOUCHER_KEYS ("kid:base64key,..."); the first key seals new values and
every listed key can open old ones, so keys can rotate. Each value gets a random 96-bit nonce,
and the caller binds it to its row and field as associated data, so a sealed value copied to
another row or field does not open. ``row_seal``, ``row_unseal`` and ``row_reseal`` are that
rule for a table's row: the value of ``<field>`` lives in ``<field>_sealed``, the key that sealed it
in ``key_id``, and the associated data is ``<binding>:<row pk>:<field>``, where the binding names
the table ("voucher", "inventory"), so a value opens on no other table either.

``digest`` is the other half: a keyed hash of a normalized code, stored beside the sealed value
for lookups and uniqueness (duplicate stock codes, "which voucher is this code?") without the
plaintext. Its key is a setting of its own, VOUCHER_DIGEST_KEY, not one of the sealing keys:
sealing keys rotate, and a digest that changed with them would split one code into two digests
and let a duplicate through. An HMAC key that leaks only lets someone who also holds the
database confirm guesses, so it need not rotate.
"""

import base64
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


class SealError(Exception):
    pass


@lru_cache(maxsize=8)
def _keyring(spec: str) -> tuple[str, dict[str, AESGCM]]:
    ring: dict[str, AESGCM] = {}
    first = ""
    for entry in (part.strip() for part in spec.split(",") if part.strip()):
        kid, _, encoded = entry.partition(":")
        key = base64.b64decode(encoded)
        if not kid or len(key) != 32:
            raise SealError(f"voucher key {kid or '?'} must be 32 bytes, base64-encoded")
        ring[kid] = AESGCM(key)
        first = first or kid
    if not ring:
        raise SealError("VOUCHER_KEYS holds no key")
    return first, ring


def key_ids() -> frozenset[str]:
    return frozenset(_keyring(settings.VOUCHER_KEYS)[1])


def current_key_id() -> str:
    return _keyring(settings.VOUCHER_KEYS)[0]


def seal(plaintext: str, *, associated_data: str, key_id: str | None = None) -> tuple[str, bytes]:
    first, ring = _keyring(settings.VOUCHER_KEYS)
    kid = key_id or first
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring[kid].encrypt(nonce, plaintext.encode(), associated_data.encode())
    return kid, nonce + sealed


def unseal(blob: bytes, *, key_id: str, associated_data: str) -> str:
    _, ring = _keyring(settings.VOUCHER_KEYS)
    try:
        aead = ring[key_id]
    except KeyError as exc:
        raise SealError(f"unknown voucher key id {key_id!r}") from exc
    data = bytes(blob)
    try:
        return aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], associated_data.encode()).decode()
    except InvalidTag as exc:
        raise SealError("sealed value does not open: wrong key, row or tampered data") from exc


def row_seal(row, field: str, value: str | None, *, binding: str, key_id: str) -> None:
    """Seal ``value`` into a row's ``<field>_sealed`` under ``key_id`` (no value: None); the caller
    saves. The row needs its primary key already: the sealed value is bound to it."""
    blob = None
    if value:
        _, blob = seal(value, associated_data=_row_binding(binding, row, field), key_id=key_id)
    setattr(row, f"{field}_sealed", blob)


def row_unseal(row, field: str, *, binding: str) -> str | None:
    """Open a row's ``<field>_sealed`` under the row's ``key_id``; None where nothing was sealed."""
    blob = getattr(row, f"{field}_sealed")
    if not blob:
        return None
    return unseal(blob, key_id=row.key_id, associated_data=_row_binding(binding, row, field))


def row_reseal(row, fields: Iterable[str], *, binding: str, key_id: str) -> None:
    """Seal a locked row's ``fields`` again under ``key_id`` (a key rotation); the caller saves."""
    for field in fields:
        row_seal(row, field, row_unseal(row, field, binding=binding), binding=binding, key_id=key_id)
    row.key_id = key_id


def _row_binding(binding: str, row, field: str) -> str:
    return f"{binding}:{row.pk}:{field}"


def normalize_code(code: str) -> str:
    """The form two spellings of one code share: Unicode NFKC, no spaces or dashes, upper case.

    A customer may type "abcd 1234" for "ABCD-1234"; suppliers print codes in groups.
    """
    folded = unicodedata.normalize("NFKC", code)
    return "".join(char for char in folded if not char.isspace() and char != "-").upper()


def digest(code: str) -> str:
    """HMAC-SHA256 (hex) of the normalized code under VOUCHER_DIGEST_KEY."""
    key = settings.VOUCHER_DIGEST_KEY.encode()
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()
