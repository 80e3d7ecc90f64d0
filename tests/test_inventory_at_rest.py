"""Stock codes at rest: no plaintext in any column (read with raw SQL), bound to their row, keyed digest."""

import base64
import hashlib
import os

import pytest
from django.db import connection

from orders.stock import code_reseal, code_secret
from suppliers.models import InventoryCode
from tessera import sealing
from tessera.sealing import SealError
from tests.inventory_support import import_codes, stock_order, stock_product

pytestmark = pytest.mark.django_db

CODES = ["PLAIN-CODE-ALPHA-0001", "PLAIN-CODE-BRAVO-0002", "PLAIN-CODE-CHARLIE-0003"]
PIN = "PIN-SECRET-7788"


def raw_rows(table: str) -> list[list[bytes]]:
    """Every row of ``table``, each cell as bytes, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name
        rows = cursor.fetchall()
    return [
        [
            bytes(value) if isinstance(value, memoryview | bytes | bytearray) else str(value).encode()
            for value in row
        ]
        for row in rows
    ]


def test_no_code_or_pin_appears_in_plaintext_in_any_column_of_the_stock_tables(wallet_partner):
    product = stock_product()
    import_codes(product, CODES, pin=PIN)
    stock_order(wallet_partner, product)  # one code allocated to a line too

    code_rows = raw_rows(InventoryCode._meta.db_table)
    cells = [cell for row in code_rows + raw_rows("suppliers_inventoryimport") for cell in row]

    assert len(code_rows) == len(CODES)
    secrets = [*CODES, PIN, *(sealing.normalize_code(code) for code in CODES)]
    leaks = [secret for secret in secrets for cell in cells if secret.lower().encode() in cell.lower()]
    assert leaks == []


def test_the_digest_is_keyed_so_the_code_cannot_be_found_by_hashing_guesses():
    product = stock_product(codes=[CODES[0]])
    code = product.inventory_codes.get()

    assert code.code_digest == sealing.digest(CODES[0])
    unkeyed = {
        hashlib.sha256(form.encode()).hexdigest() for form in (CODES[0], sealing.normalize_code(CODES[0]))
    }
    assert code.code_digest not in unkeyed


def test_a_sealed_code_copied_to_another_row_does_not_open():
    product = stock_product(codes=CODES[:2])
    first, second = product.inventory_codes.order_by("pk")
    InventoryCode.objects.filter(pk=second.pk).update(code_sealed=first.code_sealed)
    second.refresh_from_db()

    with pytest.raises(SealError):
        code_secret(second, "code")
    assert code_secret(first, "code") == CODES[0]


def test_a_pin_sealed_value_does_not_open_as_the_code():
    product = stock_product()
    import_codes(product, [CODES[0]], pin=PIN)
    code = product.inventory_codes.get()
    InventoryCode.objects.filter(pk=code.pk).update(code_sealed=code.pin_sealed)
    code.refresh_from_db()

    with pytest.raises(SealError):
        code_secret(code, "code")


def test_a_tampered_ciphertext_is_refused():
    code = stock_product(codes=[CODES[0]]).inventory_codes.get()
    tampered = bytearray(code.code_sealed)
    tampered[-1] ^= 0x01
    InventoryCode.objects.filter(pk=code.pk).update(code_sealed=bytes(tampered))
    code.refresh_from_db()

    with pytest.raises(SealError):
        code_secret(code, "code")


def test_a_code_naming_a_key_the_keyring_does_not_hold_is_refused():
    code = stock_product(codes=[CODES[0]]).inventory_codes.get()
    InventoryCode.objects.filter(pk=code.pk).update(key_id="retired")
    code.refresh_from_db()

    with pytest.raises(SealError, match="unknown voucher key id"):
        code_secret(code, "code")


def test_a_stock_code_reseals_under_the_newest_key_and_still_opens(settings):
    product = stock_product()
    import_codes(product, [CODES[0]], pin=PIN)
    code = product.inventory_codes.get()
    old_kid, old_blob = code.key_id, bytes(code.code_sealed)
    settings.VOUCHER_KEYS = f"next:{base64.b64encode(os.urandom(32)).decode()},{settings.VOUCHER_KEYS}"

    code_reseal(code, key_id=sealing.current_key_id())
    code.save()
    code.refresh_from_db()

    assert old_kid != "next" and code.key_id == "next"
    assert bytes(code.code_sealed) != old_blob
    assert (code_secret(code, "code"), code_secret(code, "pin")) == (CODES[0], PIN)
