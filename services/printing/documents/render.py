"""Rendering of issued documents (KK, certificates, ...) to A4 PDF for printing on plain HVS.

Since Permendagri 109/2019 the wet signature and stamp are replaced by an electronic signature
and a QR code in the bottom right corner that links to the verification page. The PDF is
rendered deterministically (same content -> same bytes) so a re-download of unchanged data
yields the same file before signing.

The layout is generic: header, title and number, then label/value rows, paragraphs and tables
in the order given (``content.DocumentContent``, built from the YAML templates by
``templates``), then the signature block. Identity cards have their own renderer (``card``).
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import TopPadder

from services.printing.documents.content import (
    DINAS_NAME,
    DocumentContent,
    FieldRows,
    Prose,
    TableSection,
    format_tanggal,
    place_name,
)
from services.printing.documents.drawing import FONT, QR_SIZE, qr_drawing, register_fonts
from services.printing.documents.sheet_style import (
    CELL_MIN_SIZE,
    CELL_PADDING,
    COLUMN_WEIGHTS,
    DEFAULT_COLUMN_WEIGHT,
    FRAME_PADDING,
    HEADER_LABELS,
    KK_MEMBER_COLUMNS,
    MARGIN,
    MAX_LARGE_TYPE_COLUMNS,
    STYLES,
    TITLE_MIN_SIZE,
)

SIGNATURE_NOTE = (
    "Dokumen ini ditandatangani secara elektronik. Pindai kode QR untuk memeriksa keaslian dokumen."
)


def render_document(doc: DocumentContent) -> bytes:
    """Render `doc` to PDF bytes: landscape A4 with a wide table, portrait otherwise."""
    register_fonts()
    pagesize = landscape(A4) if doc.landscape else portrait(A4)
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{doc.title} {doc.document_number}",
        author=f"{DINAS_NAME} {doc.region_name}",
        subject=doc.document_type,
        creator="Silasidakep",
        invariant=1,  # fixed timestamps and IDs, so identical content gives identical bytes
    )
    # SimpleDocTemplate's frame pads its content by 6 pt on each side; tables as wide as
    # `template.width` would stick out of the text column.
    width = template.width - 2 * FRAME_PADDING
    story: list[Flowable] = [
        *_header(doc, width),
        *_title(doc, width),
        *_fields(doc, width),
        *_members(doc, width),
        *_body(doc, width),
        _signature_block(doc, width),
    ]
    template.build(story, onFirstPage=_page_footer(doc), onLaterPages=_page_footer(doc))
    return buffer.getvalue()


def prose_paragraph(markup: str) -> Paragraph:
    """A body paragraph from trusted markup; raises ValueError if reportlab cannot parse it."""
    return Paragraph(markup, STYLES["prose"])


def _p(text: str, style: str | ParagraphStyle) -> Paragraph:
    # Every value is plain text from the registry; escape it so "&" or "<" can't break markup.
    # Newlines are kept as line breaks.
    if isinstance(style, str):
        style = STYLES[style]
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _header(doc: DocumentContent, width: float) -> list[Flowable]:
    return [
        _p(f"PEMERINTAH {doc.region_name}", "agency"),
        _p(DINAS_NAME, "dinas"),
        Spacer(1, 2 * mm),
        HRFlowable(width=width, thickness=1.6, color=colors.black, spaceAfter=0.8),
        HRFlowable(width=width, thickness=0.5, color=colors.black, spaceAfter=5 * mm),
    ]


def _title(doc: DocumentContent, width: float) -> list[Flowable]:
    # A long title ("SURAT KETERANGAN PINDAH WARGA NEGARA INDONESIA") shrinks to stay on one
    # line where it can, rather than leaving a single word on a second line.
    style = STYLES["title"]
    natural = stringWidth(doc.title, style.fontName, style.fontSize)
    if natural > width:
        size = max(TITLE_MIN_SIZE, style.fontSize * width / natural * 0.98)
        style = ParagraphStyle("title_fit", parent=style, fontSize=size, leading=size * 1.25)
    return [
        _p(doc.title, style),
        _p(f"No. {doc.document_number}", "number"),
        Spacer(1, 5 * mm),
    ]


def _fields(doc: DocumentContent, width: float) -> list[Flowable]:
    return _field_rows(doc.fields, width, doc.landscape)


def _field_rows(rows: list[tuple[str, str]], width: float, landscape: bool) -> list[Flowable]:
    """Label : value rows; in landscape split into two side-by-side halves."""
    if not rows:
        return []
    two_halves = landscape and len(rows) > 3
    if not two_halves:
        return [_field_table(rows, width), Spacer(1, 4 * mm)]
    middle = (len(rows) + 1) // 2
    gap = 8 * mm
    half = (width - gap) / 2
    pair = Table(
        [[_field_table(rows[:middle], half), "", _field_table(rows[middle:], half)]],
        colWidths=[half, gap, half],
    )
    pair.setStyle(_no_padding())
    return [pair, Spacer(1, 4 * mm)]


def _field_table(rows: list[tuple[str, str]], width: float) -> Table:
    label_width = min(55 * mm, width * 0.38)
    colon_width = 3 * mm
    data = [[_p(label, "field"), _p(":", "field"), _p(value, "field")] for label, value in rows]
    table = Table(data, colWidths=[label_width, colon_width, width - label_width - colon_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ]
        )
    )
    return table


def member_columns(doc: DocumentContent) -> tuple[str, ...]:
    """KK uses the fixed official columns; other documents use the first member's keys."""
    if doc.document_type == "KK":
        return KK_MEMBER_COLUMNS
    keys = [k for k in doc.members[0] if k != "No"] if doc.members else []
    return ("No", *keys)


def _members(doc: DocumentContent, width: float) -> list[Flowable]:
    if not doc.members:
        return []
    return _table(TableSection(columns=member_columns(doc), rows=doc.members), width)


def _body(doc: DocumentContent, width: float) -> list[Flowable]:
    story: list[Flowable] = []
    for section in doc.body:
        if isinstance(section, FieldRows):
            story += _field_rows(section.rows, width, doc.landscape)
        elif isinstance(section, Prose):
            story.append(prose_paragraph(section.markup))
        else:
            story += _table(section, width)
    return story


def _table(section: TableSection, width: float) -> list[Flowable]:
    columns = section.columns
    large = len(columns) <= MAX_LARGE_TYPE_COLUMNS
    head_style, cell_style = ("cell_head_large", "cell_large") if large else ("cell_head", "cell")
    header = [_p(HEADER_LABELS.get(c, c), head_style) for c in columns]
    weights = [
        section.weights.get(c) or COLUMN_WEIGHTS.get(c, DEFAULT_COLUMN_WEIGHT) for c in columns
    ]
    col_widths = [width * w / sum(weights) for w in weights]
    rows = [
        _member_row(row, i, columns, cell_style, col_widths)
        for i, row in enumerate(section.rows, start=1)
    ]
    table = Table([header, *rows], colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    heading = [_p(section.heading, "section")] if section.heading else []
    return [*heading, table, Spacer(1, 4 * mm)]


def _member_row(
    member: dict[str, str],
    index: int,
    columns: tuple[str, ...],
    style: str,
    col_widths: list[float],
) -> list[Flowable]:
    # "No" is numbered automatically unless the caller supplies it; missing values print empty.
    values = {"No": str(index), **member}
    return [
        _cell(values.get(column, ""), style, col_width - 2 * CELL_PADDING)
        for column, col_width in zip(columns, col_widths, strict=True)
    ]


def _cell(text: str, style_name: str, available: float) -> Paragraph:
    """A table cell whose type shrinks until its longest word fits the column.

    reportlab breaks lines only at spaces and would otherwise split a long word anywhere
    ("PELAJAR/MAHASISW" + "A").
    """
    style = STYLES[style_name]
    longest = max((stringWidth(w, style.fontName, style.fontSize) for w in text.split()), default=0)
    if longest <= available:
        return _p(text, style)
    size = max(CELL_MIN_SIZE, style.fontSize * available / longest)
    return _p(text, ParagraphStyle(f"{style.name}_fit", parent=style, fontSize=size))


def _signature_block(doc: DocumentContent, width: float) -> Flowable:
    """Date, signer and note bottom left; QR code bottom right, pinned to the page bottom."""
    text = [
        _p(f"{place_name(doc.region_name)}, {format_tanggal(doc.issued_at)}", "sign"),
        _p(doc.signer_title, "sign"),
        Spacer(1, 4 * mm),
        _p(doc.signer_name, "sign_name"),
        Spacer(1, 3 * mm),
        _p(SIGNATURE_NOTE, "note"),
    ]
    text_width = min(width - QR_SIZE - 5 * mm, 140 * mm)
    gap = width - text_width - QR_SIZE
    block = Table(
        [[text, "", qr_drawing(doc.verify_url)]],
        colWidths=[text_width, gap, QR_SIZE],
    )
    block.setStyle(_no_padding(valign="BOTTOM"))
    # Space above so it never touches the member table when the table ends low on the page.
    block.spaceBefore = 6 * mm
    return TopPadder(block)


def _no_padding(valign: str = "TOP") -> TableStyle:
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), valign),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )


def _page_footer(doc: DocumentContent) -> Callable[[Canvas, SimpleDocTemplate], None]:
    """Document number and page on every page, so loose printed pages can be matched up."""

    def draw(canvas: Canvas, template: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        text = f"{doc.title} No. {doc.document_number} \u2014 Halaman {canvas.getPageNumber()}"
        canvas.drawCentredString(template.pagesize[0] / 2, MARGIN / 2, text)
        canvas.restoreState()

    return draw
