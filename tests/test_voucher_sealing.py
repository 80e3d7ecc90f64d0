"""Voucher codes, PINs and redemption links are sealed at rest (AES-256-GCM, key id beside them).

A delivered voucher's secrets appear nowhere in the database in plaintext; a sealed value opens
only on its own row and field, under the key it names, and only if untouched; keys rotate.
"""

import base64
import logging
import os

import pytest
from django.db import connection

from orders.models import Order, Voucher
from orders.vouchers import voucher_secret
from payments.services import finalization
from suppliers.models import SupplierKind
from tessera import sealing
from tessera.actors import Actor
from tests import factories
from tests.voucher_support import as_bytes

pytestmark = pytest.mark.django_db(transaction=True)

NEW_KEY = base64.b64encode(b"N" * 32).decode()


def fulfilled_vouchers(partner, worker, *, quantity: int = 1) -> list[Voucher]:
    """A voucher order taken through the real worker to FULFILLED; its vouchers by line position."""
    product = factories.product(kind=SupplierKind.VOUCHER, price="25.00")
    order = factories.order(owner=partner, product_obj=product, quantity=quantity)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))
    worker()
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    vouchers = list(Voucher.objects.filter(line__order=order).order_by("line__position"))
    assert len(vouchers) == quantity
    return vouchers


def reloaded(voucher: Voucher) -> Voucher:
    return Voucher.objects.get(pk=voucher.pk)


def every_cell_in_the_database() -> dict[str, list[tuple[str, object]]]:
    """Every (column, value) of every row of every table, read raw: no model, no decryption."""
    cells: dict[str, list[tuple[str, object]]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            cells[table] = [pair for row in cursor.fetchall() for pair in zip(columns, row, strict=True)]
    return cells


# --- nothing in plaintext -----------------------------------------------------------------


def test_a_delivered_vouchers_secrets_appear_nowhere_in_the_database(wallet_partner, worker, caplog):
    # given a voucher delivered through the worker (with every log line kept)
    caplog.set_level(logging.DEBUG)
    (voucher,) = fulfilled_vouchers(wallet_partner, worker)

    # when its secrets are opened the way the product opens them
    code, pin, url, supplier_secret = (
        voucher_secret(voucher, field) for field in ("code", "pin", "url", "supplier_secret")
    )
    assert code and pin and url and supplier_secret, "the sandbox delivers all four for vouchers"
    assert voucher.key_id == sealing.current_key_id()

    # then no table holds them in plaintext: not the voucher, not the audit trail, not the
    # sandbox's own memory, not the task results
    cells = every_cell_in_the_database()
    assert {"orders_voucher", "orders_orderevent", "suppliers_sandboxbooking"} <= set(cells)
    assert cells["orders_orderevent"] and cells["suppliers_sandboxbooking"]
    for secret in (code, url, url.rsplit("/", 1)[-1], supplier_secret):
        leaks = [
            table
            for table, pairs in cells.items()
            if any(secret.encode() in as_bytes(value) for _, value in pairs)
        ]
        assert leaks == [], f"{secret!r} stored in plaintext in {leaks}"
    # a 4-digit PIN is too short to look for as a substring: look for it as a text value of its
    # own or a quoted JSON string (subject_id holds primary keys, which may be any 4 digits)
    quoted = f'"{pin}"'.encode()
    leaks = [
        f"{table}.{column}"
        for table, pairs in cells.items()
        for column, value in pairs
        if isinstance(value, str | bytes | memoryview)
        and ((as_bytes(value) == pin.encode() and column != "subject_id") or quoted in as_bytes(value))
    ]
    assert leaks == [], f"the PIN is stored in plaintext in {leaks}"

    # and the sealed columns hold ciphertext, not the value
    raw = reloaded(voucher)
    fields = ("code", "pin", "url", "supplier_secret")
    for field, secret in zip(fields, (code, pin, url, supplier_secret), strict=True):
        blob = bytes(getattr(raw, f"{field}_sealed"))
        assert len(blob) >= sealing.NONCE_BYTES + 16 + len(secret)
        assert secret.encode() not in blob

    # and nothing secret was logged on the way
    assert code not in caplog.text and url not in caplog.text and supplier_secret not in caplog.text


# --- what does not open -------------------------------------------------------------------


def test_a_sealed_code_copied_to_another_voucher_does_not_open(wallet_partner, worker):
    # given two delivered vouchers
    first, second = fulfilled_vouchers(wallet_partner, worker, quantity=2)
    first_code = voucher_secret(first, "code")
    assert voucher_secret(second, "code") != first_code

    # when someone with database access copies the first's sealed code onto the second
    Voucher.objects.filter(pk=second.pk).update(code_sealed=first.code_sealed, key_id=first.key_id)

    # then it does not open there, and the first still opens
    with pytest.raises(sealing.SealError):
        voucher_secret(reloaded(second), "code")
    assert voucher_secret(reloaded(first), "code") == first_code


def test_a_sealed_value_moved_to_another_field_of_the_same_voucher_does_not_open(wallet_partner, worker):
    (voucher,) = fulfilled_vouchers(wallet_partner, worker)

    Voucher.objects.filter(pk=voucher.pk).update(pin_sealed=voucher.code_sealed)

    with pytest.raises(sealing.SealError):
        voucher_secret(reloaded(voucher), "pin")


def test_a_tampered_ciphertext_in_the_database_does_not_open(wallet_partner, worker):
    (voucher,) = fulfilled_vouchers(wallet_partner, worker)
    blob = bytearray(voucher.code_sealed)
    blob[len(blob) // 2] ^= 0x01

    Voucher.objects.filter(pk=voucher.pk).update(code_sealed=bytes(blob))

    with pytest.raises(sealing.SealError):
        voucher_secret(reloaded(voucher), "code")


def test_flipping_any_single_byte_of_a_sealed_value_makes_it_refuse_to_open():
    # nonce, ciphertext and tag are all covered: no byte can change unnoticed
    kid, blob = sealing.seal("CODE-1234", associated_data="voucher:x:code")
    assert sealing.unseal(blob, key_id=kid, associated_data="voucher:x:code") == "CODE-1234"

    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x80
        with pytest.raises(sealing.SealError):
            sealing.unseal(bytes(tampered), key_id=kid, associated_data="voucher:x:code")


def test_a_voucher_naming_an_unknown_key_id_is_refused(wallet_partner, worker):
    (voucher,) = fulfilled_vouchers(wallet_partner, worker)

    Voucher.objects.filter(pk=voucher.pk).update(key_id="retired")

    with pytest.raises(sealing.SealError, match="unknown voucher key id"):
        voucher_secret(reloaded(voucher), "code")


def test_a_value_sealed_under_one_key_does_not_open_under_another_key_id(settings):
    settings.VOUCHER_KEYS = f"new:{NEW_KEY},{settings.VOUCHER_KEYS}"
    old_kid = settings.VOUCHER_KEYS.split(",")[1].split(":")[0]
    _, blob = sealing.seal("secret", associated_data="voucher:y:code", key_id=old_kid)

    with pytest.raises(sealing.SealError):
        sealing.unseal(blob, key_id="new", associated_data="voucher:y:code")
    assert sealing.unseal(blob, key_id=old_kid, associated_data="voucher:y:code") == "secret"


# --- key rotation -------------------------------------------------------------------------


def test_after_a_key_rotation_old_vouchers_open_and_new_ones_are_sealed_under_the_new_key(
    wallet_partner, worker, settings
):
    # given a voucher sealed under the key in use today
    old_spec = settings.VOUCHER_KEYS
    old_kid = sealing.current_key_id()
    (old_voucher,) = fulfilled_vouchers(wallet_partner, worker)
    old_code = voucher_secret(old_voucher, "code")
    assert old_voucher.key_id == old_kid != "new"

    # when a new key is put first and the old one kept for reading
    settings.VOUCHER_KEYS = f"new:{NEW_KEY},{old_spec}"

    # then the old voucher still opens, and a voucher delivered now is sealed under "new"
    assert sealing.current_key_id() == "new"
    assert voucher_secret(reloaded(old_voucher), "code") == old_code
    (new_voucher,) = fulfilled_vouchers(wallet_partner, worker)
    assert new_voucher.key_id == "new"
    new_code = voucher_secret(new_voucher, "code")
    assert new_code and new_code != old_code

    # and once the old key is dropped, only what it sealed stops opening
    settings.VOUCHER_KEYS = f"new:{NEW_KEY}"
    assert voucher_secret(reloaded(new_voucher), "code") == new_code
    with pytest.raises(sealing.SealError):
        voucher_secret(reloaded(old_voucher), "code")


def test_a_key_that_is_not_32_bytes_is_refused(settings):
    settings.VOUCHER_KEYS = f"short:{base64.b64encode(os.urandom(16)).decode()}"

    with pytest.raises(sealing.SealError, match="32 bytes"):
        sealing.seal("x", associated_data="voucher:z:code")
