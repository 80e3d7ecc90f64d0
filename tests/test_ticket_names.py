"""Every name a partner can send prints on the ticket PDF, in its own script.

DejaVu Sans has Latin, Cyrillic and Greek; Arabic, Hebrew, CJK and emoji come from the fallback
fonts (tessera/pdf.py), Arabic and Hebrew shaped right to left. The PDF is read back as text with
pypdfium2, which gives right-to-left runs in the order they are drawn (visual order), so those
names are looked for reversed. With a fallback font missing, a name still fills its row.
"""

import pytest

from orders.models import Order
from orders.ticket_documents import TicketPage, tickets_pdf
from tests.ticket_support import pdf_text

NAMES = {
    "Latin": "Zoë Ørsted-Çelik",
    "Cyrillic": "Фёдор Достоевский",
    "Greek": "Αριστοτέλης Ωνάσης",
    "Arabic": "ليلى الأحمد",
    "Hebrew": "דוד בן־גוריון",
    "CJK": "李 小龍",
    "emoji": "Ada 🎉🚆",
}
RIGHT_TO_LEFT = {"Arabic", "Hebrew"}


def ticket_for(name: str) -> bytes:
    order = Order(reference="T-NAMES")
    return tickets_pdf(order, [TicketPage(title="Ticket", facts=[("For", name)], payload="T1.payload")])


def for_row(content: bytes) -> str:
    (row,) = [
        line for line in pdf_text(content).splitlines() if line.startswith("For") or line.endswith("For")
    ]
    return row


@pytest.mark.parametrize("script", NAMES)
def test_a_travellers_name_prints_in_its_own_script(script):
    # given a traveller whose name is written in the script
    name = NAMES[script]

    # when their ticket is printed
    row = for_row(ticket_for(name))

    # then the "For" row carries every letter of it, in the order it reads on paper
    drawn = name[::-1] if script in RIGHT_TO_LEFT else name
    assert drawn in row


def test_without_a_font_for_a_script_the_name_still_fills_its_row(settings):
    # given a machine without the CJK fallback font
    settings.PDF_FALLBACK_FONTS = [path for path in settings.PDF_FALLBACK_FONTS if "CJK" not in path]

    # when a Chinese name is printed
    row = for_row(ticket_for("李 小龍 (Bruce Lee)"))

    # then each character it cannot draw is a visible "?", never an empty row
    assert row.replace("For", "").strip() == "? ?? (Bruce Lee)"


def test_without_dejavu_the_built_in_font_prints_the_latin_form(settings, tmp_path):
    settings.PDF_FONT_DIR = str(tmp_path)

    row = for_row(ticket_for("Zoë Dvořák 李"))

    assert row.replace("For", "").strip() == "Zoë Dvorák ?"
