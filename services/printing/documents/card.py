"""Rendering of identity cards (KTP-el, KIA) for printing on the security blanko.

The blanko is an ID-1 card (ISO/IEC 7810: 85.6 x 54 mm) with the national background, emblem and
chip already on it; the card printer adds only the holder's data, a box where the photo goes and
the QR code that links to the verification page. The layout is fixed here; which rows are printed
comes from the document template. Values never overflow the card: a row shrinks its type, then
wraps up to its line limit, then is cut with an ellipsis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from services.printing.documents.content import DINAS_NAME
from services.printing.documents.drawing import FONT, FONT_BOLD, qr_drawing, register_fonts

CARD_SIZE = (85.6 * mm, 54 * mm)  # ID-1, landscape
EDGE = 2.6 * mm  # unprinted border: card printers do not print reliably to the very edge
HEADER_SIZE = 6.6  # pt
HEADER_LEADING = 2.9 * mm
BASE_SIZE = 5.8  # pt, the type of the data rows before any shrinking
MIN_SIZE = 4.4  # pt, below this the card printer's ribbon smears small type
STRONG_EXTRA = 1.4  # pt added to rows marked strong (the NIK)
LEADING = 1.24  # line height as a multiple of the type size
ROW_GAP = 0.55  # pt between rows
LABEL_GAP = 1.2 * mm
DATA_RIGHT = 62 * mm  # the data column ends here; the photo and QR column starts after it
PHOTO_SIZE = (16.5 * mm, 20.5 * mm)  # about 4:5, the proportion of the recorded face photo
QR_SIZE = 15.5 * mm  # including the quiet zone of 4 modules on each side
# The quiet zone may reach into the unprinted edge: it is blank anyway.
QR_QUIET_ZONE = 1.2 * mm
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class CardRow:
    label: str
    value: str  # plain text
    strong: bool = False  # larger bold type (the NIK)
    max_lines: int = 1


@dataclass(frozen=True)
class CardContent:
    """Everything printed on one card. Text is plain."""

    document_type: str  # KTP_EL, KIA
    title: str  # PDF metadata; the printed headings are in `header`
    document_number: str
    issued_at: dt.datetime  # naive = already local (WIB) time
    issue_place: str  # printed above the issue date, under the photo
    verify_url: str
    header: list[str] = field(default_factory=list)
    rows: list[CardRow] = field(default_factory=list)
    photo: bool = True


@dataclass(frozen=True)
class _Laid:
    label: str
    lines: list[str]
    font: str
    size: float  # of the value; may be smaller than the row's type if it was shrunk to fit
    pitch: float  # line height, from the row's type before shrinking: rows stay evenly spaced

    @property
    def height(self) -> float:
        return len(self.lines) * self.pitch + ROW_GAP


def render_card(card: CardContent) -> bytes:
    """Render `card` to a one-page, card-sized PDF."""
    register_fonts()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=CARD_SIZE, invariant=1, pageCompression=1)
    canvas.setTitle(f"{card.title} {card.document_number}")
    canvas.setAuthor(DINAS_NAME)
    canvas.setSubject(card.document_type)
    canvas.setCreator("Silasidakep")
    width, height = CARD_SIZE
    top = _draw_header(canvas, card.header, width, height - EDGE)
    _draw_rows(canvas, card.rows, top - 0.8 * mm)
    _draw_side(canvas, card, top)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_header(canvas: Canvas, lines: list[str], width: float, top: float) -> float:
    """Centred bold headings; returns the y below them."""
    y = top
    canvas.setFillColor(colors.black)
    for line in lines:
        size = _fit_size(line, FONT_BOLD, HEADER_SIZE, width - 2 * EDGE)
        y -= HEADER_LEADING
        canvas.setFont(FONT_BOLD, size)
        canvas.drawCentredString(width / 2, y + 0.6 * mm, _cut(line, FONT_BOLD, size, width))
    return y


def _draw_rows(canvas: Canvas, rows: list[CardRow], top: float) -> None:
    available = top - EDGE
    size = BASE_SIZE
    laid = _lay_out(rows, size)
    # Shrink all rows together until they fit the card's height (rarely needed: long names and
    # addresses are handled per row first).
    while sum(r.height for r in laid) > available and size > MIN_SIZE:
        size = round(size - 0.2, 2)
        laid = _lay_out(rows, size)
    label_width = _label_width(rows, size)
    x_label, x_colon = EDGE, EDGE + label_width
    x_value = x_colon + LABEL_GAP
    y = top
    for row in laid:
        y -= row.pitch
        canvas.setFont(FONT, size)  # labels keep one size, whatever their values needed
        canvas.drawString(x_label, y, row.label)
        canvas.drawString(x_colon, y, ":")
        canvas.setFont(row.font, row.size)
        for index, line in enumerate(row.lines):
            if index:
                y -= row.pitch
            canvas.drawString(x_value, y, line)
        y -= ROW_GAP


def _lay_out(rows: list[CardRow], size: float) -> list[_Laid]:
    value_width = DATA_RIGHT - EDGE - _label_width(rows, size) - LABEL_GAP
    return [_lay_out_row(row, size, value_width) for row in rows]


def _lay_out_row(row: CardRow, base: float, width: float) -> _Laid:
    font = FONT_BOLD if row.strong else FONT
    size = base + STRONG_EXTRA if row.strong else base
    pitch = size * LEADING
    value = " ".join(row.value.split()) or "-"
    max_lines = max(row.max_lines, 1)
    # Prefer one line in slightly smaller type over two lines; on the last allowed line count,
    # shrink down to the minimum.
    for lines_allowed in range(1, max_lines + 1):
        floor = MIN_SIZE if lines_allowed == max_lines else max(MIN_SIZE, size - 1.0)
        fitted = size
        while True:
            lines = simpleSplit(value, font, fitted, width)
            if len(lines) <= lines_allowed and all(
                stringWidth(line, font, fitted) <= width for line in lines
            ):
                return _Laid(row.label, lines, font, fitted, pitch)
            if fitted - 0.2 < floor - 1e-6:
                break
            fitted = round(fitted - 0.2, 2)
    # Still too long: wrap to the limit at the smallest size and cut the rest.
    lines = simpleSplit(value, font, MIN_SIZE, width) or ["-"]
    kept = lines[:max_lines]
    if len(lines) > len(kept) or stringWidth(kept[-1], font, MIN_SIZE) > width:
        kept[-1] = _cut(kept[-1] + ELLIPSIS, font, MIN_SIZE, width)
    return _Laid(row.label, kept, font, MIN_SIZE, pitch)


def _label_width(rows: list[CardRow], size: float) -> float:
    return max((stringWidth(r.label, FONT, size) for r in rows), default=0) + 0.8 * mm


def _draw_side(canvas: Canvas, card: CardContent, top: float) -> None:
    """Photo box, issue place and date, and the QR code in the right-hand column."""
    width, _ = CARD_SIZE
    column_left = DATA_RIGHT + 1.5 * mm
    column_width = width - EDGE - column_left
    centre = column_left + column_width / 2
    qr_bottom = EDGE - QR_QUIET_ZONE
    qr_top = qr_bottom + QR_SIZE
    text_size = 5.0
    text_block = 2 * text_size * LEADING + 1.8 * mm
    photo_top = top - 0.8 * mm
    # The photo gives way to taller headers (e.g. three heading lines on the KIA).
    photo_h = min(PHOTO_SIZE[1], photo_top - qr_top - text_block)
    photo_w = photo_h * PHOTO_SIZE[0] / PHOTO_SIZE[1]
    if card.photo:
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#777777"))
        canvas.setLineWidth(0.4)
        canvas.setDash(1.2, 1.2)
        canvas.rect(centre - photo_w / 2, photo_top - photo_h, photo_w, photo_h)
        canvas.setFillColor(colors.HexColor("#999999"))
        canvas.setFont(FONT, 5)
        canvas.drawCentredString(centre, photo_top - photo_h / 2 - 1.7, "PAS FOTO")
        canvas.restoreState()
    y = photo_top - photo_h - 2.3 * mm
    canvas.setFont(FONT, text_size)
    for line in (card.issue_place, card.issued_at.strftime("%d-%m-%Y")):
        canvas.drawCentredString(centre, y, _cut(line, FONT, text_size, column_width))
        y -= text_size * LEADING
    qr_drawing(card.verify_url, QR_SIZE).drawOn(
        canvas, width - EDGE - QR_SIZE + QR_QUIET_ZONE, qr_bottom
    )


def _fit_size(text: str, font: str, size: float, width: float) -> float:
    while size > MIN_SIZE and stringWidth(text, font, size) > width:
        size = round(size - 0.2, 2)
    return size


def _cut(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    body = text.removesuffix(ELLIPSIS)
    while body and stringWidth(body + ELLIPSIS, font, size) > width:
        body = body[:-1]
    return body.rstrip() + ELLIPSIS
