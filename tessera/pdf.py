"""Printable documents (receipts, invoices, credit notes, tickets) as PDF, with fpdf2.

Uses DejaVu Sans when the machine has it (Debian's fonts-dejavu-core), so names in any European
script print as written; without it, falls back to the built-in Helvetica and writes characters
it cannot show as their closest Latin-1 form.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "DejaVu"
FALLBACK_FONT = "Helvetica"
REPLACEMENTS = {"→": "->", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}


class Document(FPDF):
    """An A4 page with a title block, key/value rows and tables; ``output()`` gives the bytes."""

    def __init__(self, *, title: str, issuer: str = "Tessera") -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_author(issuer)
        self.set_auto_page_break(auto=True, margin=15)
        self.font_name = self._load_font()
        self.add_page()
        self.set_font(self.font_name, "B", 16)
        self.cell(0, 10, self.clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.font_name, "", 10)
        self.cell(0, 6, self.clean(issuer), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def _load_font(self) -> str:
        directory = Path(settings.PDF_FONT_DIR)
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font(FONT, "", str(regular))
            self.add_font(FONT, "B", str(bold))
            return FONT
        return FALLBACK_FONT

    def clean(self, text: object) -> str:
        value = str(text)
        if self.font_name == FONT:
            return value
        for char, replacement in REPLACEMENTS.items():
            value = value.replace(char, replacement)
        folded = unicodedata.normalize("NFKD", value).encode("latin-1", "ignore").decode("latin-1")
        return "".join(ch for ch in folded if not unicodedata.combining(ch))

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(self.font_name, "B", 12)
        self.cell(0, 8, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.font_name, "", 10)

    def facts(self, rows: Iterable[tuple[str, object]]) -> None:
        """Label: value rows."""
        for label, value in rows:
            self.set_font(self.font_name, "B", 10)
            self.cell(50, 6, self.clean(label))
            self.set_font(self.font_name, "", 10)
            self.multi_cell(0, 6, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(self, header: Sequence[str], rows: Iterable[Sequence[object]], *, numeric_from: int) -> None:
        """A table whose columns from ``numeric_from`` on are right-aligned amounts."""
        with super().table(
            text_align=tuple("LEFT" if i < numeric_from else "RIGHT" for i in range(len(header))),
            line_height=6,
            first_row_as_headings=True,
        ) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(self.clean(value))

    def text(self, body: str) -> None:  # type: ignore[override]
        self.multi_cell(0, 6, self.clean(body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bytes(self) -> bytes:
        return bytes(self.output())
