"""Importing stock codes from CSV: sealed on the way in, every problem named by line, all or nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from orders import stock_import as inventory_import
from orders.stock import code_secret
from orders.stock_import import StockImportRejected, stock_import
from suppliers.models import CodeStatus, InventoryCode, InventoryImport
from tessera import sealing
from tests import factories
from tests.inventory_support import IMPORTER, csv_of, import_codes, stock_product

pytestmark = pytest.mark.django_db

NEXT_YEAR = (timezone.now() + timedelta(days=365)).date()


def rejected(product, content: bytes) -> list[str]:
    """The problems of a file that must not import, as the admin shows them; checks nothing was written."""
    codes_before, imports_before = InventoryCode.objects.count(), InventoryImport.objects.count()
    with pytest.raises(StockImportRejected) as refused:
        stock_import(product_id=product.pk, filename="codes.csv", content=content, actor=IMPORTER)
    assert (InventoryCode.objects.count(), InventoryImport.objects.count()) == (codes_before, imports_before)
    return [str(problem) for problem in refused.value.problems]


# --- a good file ------------------------------------------------------------------------------


def test_a_good_file_is_imported_sealed_with_its_pins_validity_and_one_import_record():
    product = stock_product()
    content = csv_of(
        [
            f"GIFT-AAAA-0001,1234,{NEXT_YEAR.isoformat()}",
            "GIFT-AAAA-0002,,2030-01-01T12:00:00+02:00",
            "GIFT-AAAA-0003,9876,",
        ]
    )

    batch = stock_import(product_id=product.pk, filename="vendor-march.csv", content=content, actor=IMPORTER)

    assert (batch.product, batch.filename, batch.codes_imported, batch.imported_by) == (
        product,
        "vendor-march.csv",
        3,
        "stock-tests",
    )
    codes = list(InventoryCode.objects.filter(batch=batch).order_by("pk"))
    assert [code.status for code in codes] == [CodeStatus.AVAILABLE] * 3
    assert [code_secret(code, "code") for code in codes] == [
        "GIFT-AAAA-0001",
        "GIFT-AAAA-0002",
        "GIFT-AAAA-0003",
    ]
    assert [code_secret(code, "pin") for code in codes] == ["1234", None, "9876"]
    assert [code.code_digest for code in codes] == [
        sealing.digest(code_secret(code, "code")) for code in codes
    ]
    assert {code.key_id for code in codes} == {sealing.current_key_id()}
    assert codes[0].valid_until == datetime.combine(NEXT_YEAR, datetime.max.time(), tzinfo=UTC)
    assert codes[1].valid_until == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    assert codes[2].valid_until is None


def test_excel_style_files_import_too_semicolons_a_byte_order_mark_and_header_case():
    product = stock_product()
    content = "\ufeffCode;PIN\r\nXL-0001;11\r\nXL-0002;22\r\n\r\n".encode()

    batch = stock_import(product_id=product.pk, filename="excel.csv", content=content, actor=IMPORTER)

    assert batch.codes_imported == 2
    assert sorted(code_secret(code, "pin") for code in batch.codes.all()) == ["11", "22"]


# --- duplicates -------------------------------------------------------------------------------


def test_a_code_twice_in_the_file_is_named_by_both_lines_even_spelled_differently():
    product = stock_product()
    content = csv_of(["ABCD-1234-EFGH,,", "OTHER-0001,,", "abcd 1234 efgh,,"])

    assert rejected(product, content) == ["Line 4: the same code as line 2."]


def test_a_code_already_in_stock_is_named_by_its_line_and_nothing_of_the_file_is_imported():
    product = stock_product(codes=["KEPT-0001", "KEPT-0002"])
    content = csv_of(["FRESH-0001,,", "KEPT-0002,,", "FRESH-0002,,"])

    assert rejected(product, content) == ["Line 3: the code is already in this product's stock."]
    assert not InventoryCode.objects.filter(code_digest=sealing.digest("FRESH-0001")).exists()


def test_the_same_code_may_be_stock_of_two_products():
    first, second = stock_product(codes=["SHARED-0001"]), stock_product()

    import_codes(second, ["SHARED-0001"])

    assert InventoryCode.objects.filter(code_digest=sealing.digest("SHARED-0001")).count() == 2
    assert first.inventory_codes.count() == second.inventory_codes.count() == 1


# --- malformed rows and files -------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, problem",
    [
        (",1234,", "the code is empty."),
        ("---,,", "the code is empty."),
        (
            "GOOD-CODE,,31/12/2030",
            "valid_until is not a date (2027-12-31) or a date and time (2027-12-31T23:59:59Z).",
        ),
        (
            "GOOD-CODE,,2030-02-30",
            "valid_until is not a date (2027-12-31) or a date and time (2027-12-31T23:59:59Z).",
        ),
        ("GOOD-CODE,,2030-01-01T10:00:00", "valid_until needs a time zone, e.g. 2027-12-31T23:59:59Z."),
        ("GOOD-CODE,,2020-01-01", "valid_until is in the past: the code has expired."),
        ("GOOD-CODE,,,extra", "4 values for 3 columns."),
        (f"{'X' * 201},,", "the code is not 1 to 200 printable characters."),
        ("GOOD-CODE,\x07,", "the PIN is not 1 to 64 printable characters."),
    ],
)
def test_a_malformed_row_is_named_by_its_line_and_nothing_is_imported(row, problem):
    product = stock_product()

    assert rejected(product, csv_of(["FIRST-0001,,", row, "LAST-0001,,"])) == [f"Line 3: {problem}"]


def test_every_problem_of_a_file_is_listed_at_once_in_line_order():
    product = stock_product(codes=["OLD-0001"])
    content = csv_of(["OLD-0001,,", ",5555,", "NEW-0001,,2020-01-01", "NEW-0002,,", "new 0002,,"])

    assert rejected(product, content) == [
        "Line 2: the code is already in this product's stock.",
        "Line 3: the code is empty.",
        "Line 4: valid_until is in the past: the code has expired.",
        "Line 6: the same code as line 5.",
    ]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "The file is empty."),
        (b"code,pin\n", "The file holds no codes."),
        (b"pin\n1234\n", "Line 1: the header has no 'code' column."),
        (b"code,pni\nA-1,1\n", "Line 1: unknown column(s) 'pni'; use code, pin, valid_until."),
        (b"code,code\nA-1,A-2\n", "Line 1: column(s) 'code' appear twice."),
        ("code\nCAFÉ-1\n".encode("latin-1"), "The file is not UTF-8 text; save it as CSV UTF-8."),
        (b'code\n"UNCLOSED\n', "Line 2: The CSV is malformed (unexpected end of data)."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_why(content, problem):
    assert rejected(stock_product(), content) == [problem]


def test_a_product_not_sold_from_stock_takes_no_codes():
    product = factories.product(kind="voucher", denominations=["20.00"])

    assert rejected(product, csv_of(["A-0001,,"])) == ["This product is not sold from Tessera's stock."]


def test_problems_name_lines_never_the_codes_themselves():
    product = stock_product(codes=["SECRET-KEPT-0001"])
    content = csv_of(
        ["SECRET-KEPT-0001,,", "SECRET-NEW-0001,,2020-01-01", "SECRET-TWICE,,", "secret twice,,"]
    )

    problems = " ".join(rejected(product, content))

    assert "SECRET" not in problems.upper()


def test_nothing_is_half_imported_when_the_database_refuses_a_row(monkeypatch):
    # given a code another import added after this file was checked (the check is bypassed here)
    product = stock_product(codes=["RACE-0002"])
    monkeypatch.setattr(inventory_import, "_already_in_stock", lambda product, rows: [])

    # when the file is written, the unique (product, digest) constraint refuses that row
    problems = rejected(product, csv_of(["RACE-0001,,", "RACE-0002,,", "RACE-0003,,"]))

    # then nothing of the file is left behind
    assert problems == ["Some of these codes were added to the stock meanwhile; import the file again."]
    assert product.inventory_codes.count() == 1


# --- the admin's import page ----------------------------------------------------------------------


def staff_user(*permissions: str):
    user = get_user_model().objects.create_user("stock-clerk", password="pw", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def upload(client, product, content: bytes):
    file = SimpleUploadedFile("vendor.csv", content, content_type="text/csv")
    return client.post("/admin/suppliers/inventoryimport/add/", {"product": product.pk, "file": file})


def test_staff_import_a_file_in_the_admin_and_the_import_is_in_its_history(client):
    product = stock_product()
    clerk = staff_user("add_inventoryimport", "view_inventoryimport")
    client.force_login(clerk)

    response = upload(client, product, csv_of(["ADMIN-0001,1,", "ADMIN-0002,2,"]))

    assert response.status_code == 302
    batch = InventoryImport.objects.get()
    assert (batch.codes_imported, batch.imported_by, batch.filename) == (2, "stock-clerk", "vendor.csv")
    entry = LogEntry.objects.get(object_id=str(batch.pk))
    assert entry.user == clerk and "Imported 2 codes" in entry.get_change_message()


def test_the_admin_lists_the_problems_of_a_refused_file_by_line(client):
    product = stock_product()
    client.force_login(staff_user("add_inventoryimport"))

    response = upload(client, product, csv_of(["DUP-0001,,", "DUP-0001,,", ",1,"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Line 3: the same code as line 2." in page and "Line 4: the code is empty." in page
    assert not InventoryCode.objects.exists()


def test_staff_without_the_add_permission_cannot_import(client):
    product = stock_product()
    client.force_login(staff_user("view_inventoryimport"))

    assert client.get("/admin/suppliers/inventoryimport/add/").status_code == 403
    assert upload(client, product, csv_of(["NOPE-0001,,"])).status_code == 403
    assert not InventoryCode.objects.exists()
