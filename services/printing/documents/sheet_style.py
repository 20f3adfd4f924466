"""The look of the A4 sheet: margins, paragraph styles, and the columns of the KK member table
(order, relative widths, header breaks). ``render`` lays documents out with these."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from services.printing.documents.drawing import FONT, FONT_BOLD

# Columns of the KK family-member table, in the order of the official form.
KK_MEMBER_COLUMNS: tuple[str, ...] = (
    "No",
    "Nama Lengkap",
    "NIK",
    "Jenis Kelamin",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Agama",
    "Pendidikan",
    "Jenis Pekerjaan",
    "Status Perkawinan",
    "Hubungan dalam Keluarga",
    "Kewarganegaraan",
    "Nama Ayah",
    "Nama Ibu",
)
# Relative column widths (roughly points at 6.5 pt type; scaled to the page). Sized so a NIK,
# a dd-mm-yyyy date and the longest usual single words ("Pelajar/Mahasiswa") fit on one line,
# because reportlab breaks lines only at spaces.
COLUMN_WEIGHTS = {
    "No": 14,
    "Nama Lengkap": 70,
    "NIK": 76,
    "Jenis Kelamin": 44,
    "Tempat Lahir": 50,
    "Tanggal Lahir": 46,
    "Agama": 36,
    "Pendidikan": 62,
    "Jenis Pekerjaan": 66,
    "Status Perkawinan": 48,
    "Hubungan dalam Keluarga": 50,
    "Kewarganegaraan": 40,
    "Nama Ayah": 61,
    "Nama Ibu": 61,
}
# Header labels too long for their column get an explicit hyphenated break.
HEADER_LABELS = {"Kewarganegaraan": "Kewarga-\nnegaraan"}
DEFAULT_COLUMN_WEIGHT = 55
CELL_PADDING = 2  # pt, left and right inside table cells

MARGIN = 14 * mm
FRAME_PADDING = 6  # pt, reportlab's default Frame padding
TITLE_MIN_SIZE = 12  # pt; long titles shrink down to this before wrapping
CELL_MIN_SIZE = 5  # pt; a table cell shrinks down to this so its longest word fits

STYLES: dict[str, ParagraphStyle] = {
    "agency": ParagraphStyle(
        "agency", fontName=FONT_BOLD, fontSize=12, leading=15, alignment=TA_CENTER
    ),
    "dinas": ParagraphStyle(
        "dinas", fontName=FONT_BOLD, fontSize=13, leading=16, alignment=TA_CENTER
    ),
    "title": ParagraphStyle(
        "title", fontName=FONT_BOLD, fontSize=16, leading=20, alignment=TA_CENTER
    ),
    "number": ParagraphStyle("number", fontName=FONT, fontSize=11, leading=14, alignment=TA_CENTER),
    "field": ParagraphStyle("field", fontName=FONT, fontSize=9, leading=11.5),
    "cell_head": ParagraphStyle(
        "cell_head", fontName=FONT_BOLD, fontSize=6.5, leading=8, alignment=TA_CENTER
    ),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=6.5, leading=8),
    # Tables with few columns (e.g. the SKPWNI movers) have room for readable type.
    "cell_head_large": ParagraphStyle(
        "cell_head_large", fontName=FONT_BOLD, fontSize=8.5, leading=10.5, alignment=TA_CENTER
    ),
    "cell_large": ParagraphStyle("cell_large", fontName=FONT, fontSize=8.5, leading=10.5),
    "section": ParagraphStyle(
        "section", fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=2, spaceAfter=3
    ),
    "prose": ParagraphStyle(
        "prose", fontName=FONT, fontSize=10, leading=15, alignment=TA_JUSTIFY, spaceAfter=3 * mm
    ),
    "sign": ParagraphStyle("sign", fontName=FONT, fontSize=9.5, leading=12, alignment=TA_LEFT),
    "sign_name": ParagraphStyle("sign_name", fontName=FONT_BOLD, fontSize=9.5, leading=12),
    "note": ParagraphStyle(
        "note", fontName=FONT, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#333333")
    ),
}


# Up to this many columns a table uses the large cell type.
MAX_LARGE_TYPE_COLUMNS = 6
