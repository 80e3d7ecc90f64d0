"""Printable documents (receipts, invoices, credit notes, tickets) as PDF, with fpdf2.

Text is set in DejaVu Sans when the machine has it (Debian's fonts-dejavu-core: every European
script). A character DejaVu lacks is looked up in the fallback fonts (Noto for Arabic, Hebrew and
CJK, Noto Color Emoji, Symbola; ``PDF_FALLBACK_FONTS``), each loaded only by a document that
needs it; right-to-left text is shaped with HarfBuzz. A character no installed font has prints
as "?" rather than vanishing, so a name never leaves an empty row. Without DejaVu, the built-in
Helvetica prints Latin-1 and the closest Latin-1 form of the rest.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "DejaVu"
FALLBACK_FONT = "Helvetica"
MISSING = "?"
REPLACEMENTS = {"→": "->", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
# Joiners and variation selectors shape their neighbours and print nothing themselves.
INVISIBLE = {0x200C, 0x200D, 0xFE0E, 0xFE0F}
RIGHT_TO_LEFT = {"R", "AL"}


@cache
def _coverage(path: str) -> frozenset[int]:
    """The code points a font file (the first font of a collection) has glyphs for."""
    with TTFont(path, fontNumber=0, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _fallback_fonts() -> list[tuple[str, str]]:
    """(family, file) of each fallback font installed here, in the order they are tried."""
    root = Path(settings.PDF_FONT_ROOT)
    found = []
    for relative in settings.PDF_FALLBACK_FONTS:
        path = root / relative
        if path.exists():
            found.append((f"fallback-{path.stem}", str(path)))
    return found


class Document(FPDF):
    """An A4 page with a title block, key/value rows and tables; ``output()`` gives the bytes."""

    def __init__(self, *, title: str, issuer: str = "Tessera") -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_author(issuer)
        self.set_auto_page_break(auto=True, margin=15)
        self._regular_path = ""
        self._fallbacks: list[str] = []
        self._shaping = False
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
            self._regular_path = str(regular)
            return FONT
        return FALLBACK_FONT

    def clean(self, text: object) -> str:
        """``text`` as this document can print it, loading the fallback fonts it needs."""
        value = str(text)
        if self.font_name != FONT:
            return self._latin1(value)
        missing = {ord(ch) for ch in value if ch >= " "} - _coverage(self._regular_path) - INVISIBLE
        if not missing:
            return value
        covered = self._cover(missing)
        if any(unicodedata.bidirectional(ch) in RIGHT_TO_LEFT for ch in value) and not self._shaping:
            self.set_text_shaping(True)
            self._shaping = True
        return "".join(MISSING if ord(ch) in missing - covered else ch for ch in value)

    def _cover(self, missing: set[int]) -> set[int]:
        """Load the fallback fonts that have any of ``missing``; the code points now covered."""
        covered: set[int] = set()
        added = False
        for family, path in _fallback_fonts():
            has = missing & _coverage(path)
            if not has:
                continue
            covered |= has
            if family not in self._fallbacks:
                self.add_font(family, "", path)
                self._fallbacks.append(family)
                added = True
        if added:
            self.set_fallback_fonts(self._fallbacks, exact_match=False)
        return covered

    @staticmethod
    def _latin1(value: str) -> str:
        """Latin-1 as it is; other letters without their accents where that makes them Latin-1
        ("ř" → "r"); anything else "?"."""
        for char, replacement in REPLACEMENTS.items():
            value = value.replace(char, replacement)
        kept = []
        for ch in value:
            if ord(ch) < 256:
                kept.append(ch)
            elif ord(ch) not in INVISIBLE:
                base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
                kept.append(base if base and all(ord(c) < 256 for c in base) else MISSING)
        return "".join(kept)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(self.font_name, "B", 12)
        self.cell(0, 8, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.font_name, "", 10)

    def facts(self, rows: Iterable[tuple[str, object]]) -> None:
        """Label: value rows; the labels' column is as wide as the longest label (translated labels
        vary in length), from 50 mm up to half the page."""
        rows = [(self.clean(label), value) for label, value in rows]
        self.set_font(self.font_name, "B", 10)
        widest = max((self.get_string_width(label) for label, _ in rows), default=0)
        width = min(max(50, widest + 4), self.epw / 2)
        for label, value in rows:
            self.set_font(self.font_name, "B", 10)
            self.cell(width, 6, label)
            self.set_font(self.font_name, "", 10)
            self.multi_cell(0, 6, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        numeric_from: int,
        col_widths: Sequence[int] | None = None,
    ) -> None:
        """A table whose columns from ``numeric_from`` on are right-aligned amounts; ``col_widths``
        are relative widths (equal columns without them)."""
        with super().table(
            text_align=tuple("LEFT" if i < numeric_from else "RIGHT" for i in range(len(header))),
            line_height=6,
            first_row_as_headings=True,
            col_widths=tuple(col_widths) if col_widths else None,
        ) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(self.clean(value))

    def text(self, body: str) -> None:  # type: ignore[override]
        self.multi_cell(0, 6, self.clean(body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bytes(self) -> bytes:
        return bytes(self.output())
