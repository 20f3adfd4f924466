"""What both renderers (the A4 sheet in ``render``, the ID-1 card in ``card``) draw with: the
embedded fonts and the QR code that links to the verification page (``silasidakep.qr``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import reportlab
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from silasidakep import qr

FONT = "SilasidakepSans"
FONT_BOLD = "SilasidakepSans-Bold"
QR_SIZE = 32 * mm


@cache
def register_fonts() -> None:
    # TTF fonts are always embedded (subset) by reportlab, unlike the 14 standard PDF fonts; Vera
    # ships inside the reportlab package, so no system font is needed.
    font_dir = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(font_dir / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_dir / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def qr_drawing(value: str, size: float = QR_SIZE) -> qr.QrCode:
    return qr.QrCode(value, size, border=4)
