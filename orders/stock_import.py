"""Importing stock codes from a CSV file: every row or none, each problem named by its line.

The file has a header row with a ``code`` column and optionally ``pin`` and ``valid_until`` (a
date, meaning the end of that day in UTC, or a date and time with its offset), separated by
commas or semicolons, in UTF-8. Before anything is written, every row is checked: malformed
values, a code twice in the file, a code already in the product's stock (compared by keyed digest,
tessera.sealing.digest, so spellings like "abcd 1234" and "ABCD-1234" are one code). Any problem
rejects the whole file with the list of problems; messages name lines, never codes.

The import's InventoryImport row and its codes are written in one transaction: the codes are
inserted first (so each has its primary key), then sealed with associated data bound to that key
(orders.stock.code_seal). Nobody sees a row before it is sealed, since nothing commits before.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from orders.stock import code_seal, is_stock_product
from suppliers.models import InventoryCode, InventoryImport, Product
from tessera import sealing
from tessera.actors import Actor
from tessera.errors import InvalidInput

COLUMNS = ("code", "pin", "valid_until")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CODE_LENGTH = 200
MAX_PIN_LENGTH = 64
BATCH = 500
FILE = 0  # the line number of problems with the file as a whole


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return self.message if self.line == FILE else f"Line {self.line}: {self.message}"


class StockImportRejected(InvalidInput):
    """The file was not imported; ``problems`` says why, line by line."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"Nothing was imported: {len(problems)} problem(s) in the file.")
        self.problems = problems


@dataclass(frozen=True)
class StockRow:
    line: int
    code: str = field(repr=False)
    pin: str | None = field(repr=False)
    valid_until: datetime | None
    digest: str


def stock_import(*, product_id: int, filename: str, content: bytes, actor: Actor) -> InventoryImport:
    """Import the codes of a CSV file into a stock product's stock, all or none."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None or not is_stock_product(product):
        raise StockImportRejected([ImportProblem(FILE, "This product is not sold from Tessera's stock.")])
    rows, problems = parse_codes(content, now=timezone.now())
    problems += _already_in_stock(product, rows)
    if problems:
        raise StockImportRejected(sorted(problems, key=lambda problem: problem.line))
    try:
        with transaction.atomic():
            return _write(product, filename, rows, actor)
    except IntegrityError:
        raise StockImportRejected(
            [
                ImportProblem(
                    FILE, "Some of these codes were added to the stock meanwhile; import the file again."
                )
            ]
        ) from None


def parse_codes(content: bytes, *, now: datetime) -> tuple[list[StockRow], list[ImportProblem]]:
    """The file's rows and every problem found in it."""
    if len(content) > MAX_FILE_BYTES:
        return [], [ImportProblem(FILE, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [ImportProblem(FILE, "The file is not UTF-8 text; save it as CSV UTF-8.")]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _read(reader, now)
    except csv.Error as exc:
        return [], [ImportProblem(reader.line_num, f"The CSV is malformed ({exc}).")]


def _read(reader, now: datetime) -> tuple[list[StockRow], list[ImportProblem]]:
    header = next(reader, None)
    if header is None:
        return [], [ImportProblem(FILE, "The file is empty.")]
    columns = [name.strip().lower() for name in header]
    problems = _header_problems(columns)
    if problems:
        return [], problems
    rows: list[StockRow] = []
    first_seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            return [], [ImportProblem(FILE, f"The file has more than {MAX_ROWS} codes; split it.")]
        if len(values) > len(columns):
            problems.append(ImportProblem(line, f"{len(values)} values for {len(columns)} columns."))
            continue
        record = dict(zip(columns, [value.strip() for value in values], strict=False))
        row, row_problems = _row(line, record, now)
        if row is not None and row.digest in first_seen:
            row_problems.append(f"the same code as line {first_seen[row.digest]}.")
        if row_problems:
            problems += [ImportProblem(line, message) for message in row_problems]
            continue
        first_seen[row.digest] = line
        rows.append(row)
    if not rows and not problems:
        problems.append(ImportProblem(FILE, "The file holds no codes."))
    return rows, problems


def _header_problems(columns: list[str]) -> list[ImportProblem]:
    problems = []
    if "code" not in columns:
        problems.append(ImportProblem(1, "the header has no 'code' column."))
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        problems.append(
            ImportProblem(1, f"unknown column(s) {', '.join(map(repr, unknown))}; use {', '.join(COLUMNS)}.")
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        problems.append(ImportProblem(1, f"column(s) {', '.join(map(repr, repeated))} appear twice."))
    return problems


def _row(line: int, record: dict[str, str], now: datetime) -> tuple[StockRow | None, list[str]]:
    problems = []
    code = record.get("code", "")
    pin = record.get("pin", "") or None
    if not sealing.normalize_code(code):
        problems.append("the code is empty.")
    elif len(code) > MAX_CODE_LENGTH or not code.isprintable():
        problems.append(f"the code is not 1 to {MAX_CODE_LENGTH} printable characters.")
    if pin is not None and (len(pin) > MAX_PIN_LENGTH or not pin.isprintable()):
        problems.append(f"the PIN is not 1 to {MAX_PIN_LENGTH} printable characters.")
    valid_until, problem = _valid_until(record.get("valid_until", ""), now)
    if problem:
        problems.append(problem)
    if problems:
        return None, problems
    return StockRow(line, code, pin, valid_until, sealing.digest(code)), []


def _valid_until(value: str, now: datetime) -> tuple[datetime | None, str]:
    if not value:
        return None, ""
    try:
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        day = moment = None
    if day is not None:
        moment = datetime.combine(day, time.max, tzinfo=UTC)
    elif moment is None:
        return None, "valid_until is not a date (2027-12-31) or a date and time (2027-12-31T23:59:59Z)."
    elif timezone.is_naive(moment):
        return None, "valid_until needs a time zone, e.g. 2027-12-31T23:59:59Z."
    if moment <= now:
        return None, "valid_until is in the past: the code has expired."
    return moment, ""


def _already_in_stock(product: Product, rows: list[StockRow]) -> list[ImportProblem]:
    line_of = {row.digest: row.line for row in rows}
    known = set()
    digests = list(line_of)
    for start in range(0, len(digests), BATCH):
        known.update(
            InventoryCode.objects.filter(
                product=product, code_digest__in=digests[start : start + BATCH]
            ).values_list("code_digest", flat=True)
        )
    return [
        ImportProblem(line_of[digest], "the code is already in this product's stock.") for digest in known
    ]


def _write(product: Product, filename: str, rows: list[StockRow], actor: Actor) -> InventoryImport:
    batch = InventoryImport.objects.create(
        product=product, filename=filename[:255], imported_by=actor.label[:200], codes_imported=len(rows)
    )
    key_id = sealing.current_key_id()
    codes = InventoryCode.objects.bulk_create(
        [
            InventoryCode(
                product=product,
                batch=batch,
                key_id=key_id,
                code_sealed=b"",
                code_digest=row.digest,
                valid_until=row.valid_until,
            )
            for row in rows
        ],
        batch_size=BATCH,
    )
    for code, row in zip(codes, rows, strict=True):
        code_seal(code, "code", row.code, key_id=key_id)
        code_seal(code, "pin", row.pin, key_id=key_id)
    InventoryCode.objects.bulk_update(codes, ["code_sealed", "pin_sealed"], batch_size=BATCH)
    return batch
