"""Voucher secrets at rest: sealed per value, bound to their row and field, looked up by keyed hash.

Read with raw SQL (no model, no decryption), no column of the voucher table holds a code, PIN,
link or supplier secret, nor does any other table; a sealed value opens only on its own row and
field, under the key id stored beside it, and only if untouched.
"""

import base64
import hashlib

import pytest
from django.db import connection

from orders.models import Voucher
from orders.vouchers import SEALED_FIELDS, voucher_secret
from tessera import sealing
from tests.voucher_support import as_bytes, delivered_order, gift_card, vouchers_of

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KEY = base64.b64encode(b"K" * 32).decode()


def raw_rows(table: str) -> list[dict[str, object]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def spellings(secret: str) -> set[bytes]:
    """The secret as stored text might hold it: as given, in either case, and normalized."""
    return {
        form.encode() for form in (secret, secret.lower(), secret.upper(), sealing.normalize_code(secret))
    }


def reloaded(voucher: Voucher) -> Voucher:
    return Voucher.objects.select_related("line").get(pk=voucher.pk)


def test_no_column_of_the_voucher_table_holds_a_secret_read_with_raw_sql(
    wallet_partner, worker, known_secrets
):
    # given three vouchers delivered through the worker with secrets the test knows
    order = delivered_order(wallet_partner, worker, quantity=3)
    vouchers = vouchers_of(order)
    assert len(vouchers) == 3
    secrets = [value for voucher in vouchers for value in known_secrets(voucher.line_id).values()]

    # when every column of every voucher row is read raw, as text or bytes
    rows = raw_rows(Voucher._meta.db_table)

    # then no secret is there in any spelling, while the sealed columns do hold something
    assert len(rows) == 3
    leaks = [
        (column, secret)
        for row in rows
        for column, value in row.items()
        for secret in secrets
        if any(form in as_bytes(value) for form in spellings(secret))
    ]
    assert leaks == []
    for row in rows:
        for field in SEALED_FIELDS:
            assert len(as_bytes(row[f"{field}_sealed"])) > sealing.NONCE_BYTES + 16


def test_no_table_of_the_database_holds_a_secret_of_a_delivered_voucher(
    wallet_partner, worker, known_secrets
):
    order = delivered_order(wallet_partner, worker, quantity=2)
    secrets = [value for voucher in vouchers_of(order) for value in known_secrets(voucher.line_id).values()]

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    leaks = [
        (table, column)
        for table in tables
        for row in raw_rows(table)
        for column, value in row.items()
        for secret in secrets
        if any(form in as_bytes(value) for form in spellings(secret))
    ]

    assert leaks == []


def test_code_digest_is_a_keyed_hash_of_the_normalized_code(wallet_partner, worker, known_secrets, settings):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    code = known_secrets(voucher.line_id)["code"]

    # stored: the keyed hash, which another spelling of the same code finds
    assert voucher.code_digest == sealing.digest(code)
    spaced = code.lower().replace("-", " ")
    assert Voucher.objects.get(code_digest=sealing.digest(spaced)) == voucher
    # not a plain hash anyone could compute from a guess, and it depends on the digest key
    assert voucher.code_digest not in {hashlib.sha256(form).hexdigest() for form in spellings(code)}
    settings.VOUCHER_DIGEST_KEY = "another-digest-key"
    assert sealing.digest(code) != voucher.code_digest


def test_the_code_digest_does_not_change_when_the_sealing_key_rotates(wallet_partner, worker, settings):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    before = voucher.code_digest
    settings.VOUCHER_KEYS = f"k2:{OTHER_KEY},{settings.VOUCHER_KEYS}"

    (fresh,) = vouchers_of(delivered_order(wallet_partner, worker))

    assert fresh.key_id == "k2" and voucher.key_id != "k2"
    assert reloaded(voucher).code_digest == before == sealing.digest(voucher_secret(voucher, "code"))
    assert fresh.code_digest == sealing.digest(voucher_secret(fresh, "code"))


def test_each_value_is_sealed_with_its_own_random_nonce(wallet_partner, worker):
    first, second = vouchers_of(delivered_order(wallet_partner, worker, quantity=2))

    nonces = [
        bytes(getattr(voucher, f"{field}_sealed"))[: sealing.NONCE_BYTES]
        for voucher in (first, second)
        for field in SEALED_FIELDS
    ]

    assert len(set(nonces)) == len(nonces)
    # and sealing one value twice gives two different ciphertexts
    assert sealing.seal("same", associated_data="a")[1] != sealing.seal("same", associated_data="a")[1]


def test_the_delivery_mode_is_copied_from_the_product_onto_the_voucher(wallet_partner, worker):
    product = gift_card()
    product.delivery_mode = "offline"
    product.save(update_fields=["delivery_mode"])

    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker, product=product))

    assert voucher.delivery_mode == "offline"


# --- what does not open ---------------------------------------------------------------------


@pytest.mark.parametrize("field", SEALED_FIELDS)
def test_any_sealed_value_copied_onto_another_voucher_does_not_open(wallet_partner, worker, field):
    first, second = vouchers_of(delivered_order(wallet_partner, worker, quantity=2))

    Voucher.objects.filter(pk=second.pk).update(**{f"{field}_sealed": getattr(first, f"{field}_sealed")})

    with pytest.raises(sealing.SealError):
        voucher_secret(reloaded(second), field)
    assert voucher_secret(reloaded(first), field)


def test_a_whole_row_of_secrets_swapped_onto_another_voucher_does_not_open(wallet_partner, worker):
    first, second = vouchers_of(delivered_order(wallet_partner, worker, quantity=2))
    columns = {f"{field}_sealed": getattr(first, f"{field}_sealed") for field in SEALED_FIELDS}

    Voucher.objects.filter(pk=second.pk).update(key_id=first.key_id, **columns)

    for field in SEALED_FIELDS:
        with pytest.raises(sealing.SealError):
            voucher_secret(reloaded(second), field)


def test_a_voucher_naming_another_key_of_the_keyring_does_not_open(wallet_partner, worker, settings):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    settings.VOUCHER_KEYS = f"{settings.VOUCHER_KEYS},other:{OTHER_KEY}"

    Voucher.objects.filter(pk=voucher.pk).update(key_id="other")

    with pytest.raises(sealing.SealError, match="does not open"):
        voucher_secret(reloaded(voucher), "code")


def test_a_voucher_naming_a_key_that_is_not_in_the_keyring_is_refused_by_name(wallet_partner, worker):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))

    Voucher.objects.filter(pk=voucher.pk).update(key_id="retired-2024")

    with pytest.raises(sealing.SealError, match="unknown voucher key id 'retired-2024'"):
        voucher_secret(reloaded(voucher), "pin")


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_a_sealed_value_tampered_in_the_database_does_not_open(wallet_partner, worker, where):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    blob = bytearray(voucher.url_sealed)
    index = {"nonce": 0, "ciphertext": sealing.NONCE_BYTES + 1, "tag": len(blob) - 1}[where]
    blob[index] ^= 0x20

    Voucher.objects.filter(pk=voucher.pk).update(url_sealed=bytes(blob))

    with pytest.raises(sealing.SealError):
        voucher_secret(reloaded(voucher), "url")
