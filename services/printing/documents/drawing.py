"""What both renderers (the A4 sheet in ``render``, the ID-1 card in ``card``) draw with: the
embedded fonts and the QR code that links to the verification page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import reportlab
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

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


def build_qr_widget(value: str, size: float = QR_SIZE) -> QrCodeWidget:
    # Level M survives smudges and folds on office-printed HVS better than the default L.
    return QrCodeWidget(value, barLevel="M", barWidth=size, barHeight=size, barBorder=4)


def qr_drawing(value: str, size: float = QR_SIZE) -> Drawing:
    drawing = Drawing(size, size)
    drawing.add(build_qr_widget(value, size))
    return drawing
