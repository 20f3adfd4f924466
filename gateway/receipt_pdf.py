"""The counter's receipt (tanda terima) as an A5 PDF in Bahasa Indonesia (issue 15).

Rendered from intake's ``front_office_receipt`` answer: tracking code, service, dates, the
location, what the desk received and what happens next, and a QR code to the tracking page.
With the access token (right after filing) the QR opens the application itself; without it, the
recovery page, where the tracking code and a code sent to the citizen's contact open it.
Fonts are reportlab's bundled Vera (embedded), like the other PDFs.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from silasidakep import qr
from silasidakep.clock import WIB

FONT, FONT_BOLD = "ReceiptSans", "ReceiptSans-Bold"
MARGIN = 12 * mm
WIDTH = A5[0] - 2 * MARGIN
QR_SIZE = 34 * mm
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font_dir = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(font_dir / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_dir / "VeraBd.ttf")))
    return {
        "office": ParagraphStyle("office", fontName=FONT, fontSize=8, leading=10),
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=13, leading=16,
                                spaceBefore=2 * mm, spaceAfter=3 * mm),
        "h": ParagraphStyle("h", fontName=FONT_BOLD, fontSize=9, leading=12,
                            spaceBefore=3 * mm, spaceAfter=1 * mm),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11),
        "label": ParagraphStyle("label", fontName=FONT, fontSize=8, leading=10,
                                textColor=colors.HexColor("#444444")),
        "value": ParagraphStyle("value", fontName=FONT_BOLD, fontSize=8.5, leading=11),
        "code": ParagraphStyle("code", fontName=FONT_BOLD, fontSize=15, leading=18),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=7, leading=9),
    }


def tracking_url(base_url: str, application_id: str, access_token: str | None) -> str:
    """The tracking link (the token in the fragment, which never reaches a server), or the
    recovery page when the token is not at hand."""
    if access_token:
        return f"{base_url}/permohonan#" + urlencode({"id": application_id,
                                                      "token": access_token})
    return f"{base_url}/pulihkan"


def indonesian_date(value: str | None, with_time: bool = True) -> str:
    if not value:
        return "-"
    moment = datetime.fromisoformat(value).astimezone(WIB)
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    return f"{day}, pukul {moment:%H.%M} WIB" if with_time else day


def _qr(value: str) -> qr.QrCode:
    return qr.QrCode(value, QR_SIZE, border=2)


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text), _styles()[style])


def _facts(receipt: dict[str, Any]) -> Table:
    applicant, place = receipt["applicant"], receipt["location"]
    rows = [
        ("Layanan", receipt["service_name"]),
        ("Nama pemohon", f"{applicant['name']} (NIK {applicant['nik_masked']})"),
        ("Diterima", indonesian_date(receipt["created_at"])),
        ("Diajukan", indonesian_date(receipt["submitted_at"])),
        ("Perkiraan selesai", indonesian_date(receipt["expected_completion_at"], False)),
        ("Status", receipt["status_label"]),
        ("Lokasi", f"{place['name']}, {place['address']}"),
        ("Saluran", receipt["channel_label"]),
        ("Petugas", receipt["staff"]),
    ]
    table = Table([[_p(k, "label"), _p(v, "value")] for k, v in rows],
                  colWidths=[26 * mm, WIDTH - QR_SIZE - 30 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def _bullets(items: list[str]) -> ListFlowable:
    return ListFlowable([_p(item, "body") for item in items], bulletType="bullet",
                        bulletFontName=FONT, bulletFontSize=7, leftIndent=4 * mm)


def render(receipt: dict[str, Any], base_url: str) -> bytes:
    url = tracking_url(base_url, receipt["id"], receipt.get("access_token"))
    qr_caption = ("Pindai untuk membuka permohonan Anda." if receipt.get("access_token")
                  else "Pindai lalu masukkan kode pelacakan untuk membuka permohonan.")
    head = Table([[[_p("Kode pelacakan", "label"), _p(receipt["tracking_code"], "code"),
                    Spacer(1, 2 * mm), _facts(receipt)],
                   [_qr(url), _p(qr_caption, "small")]]],
                 colWidths=[WIDTH - QR_SIZE - 2 * mm, QR_SIZE + 2 * mm], hAlign="LEFT")
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    documents = receipt["documents"] or ["Belum ada dokumen yang diterima."]
    story = [
        _p("Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sumedang", "office"),
        _p("TANDA TERIMA PERMOHONAN", "title"),
        head,
        _p("Dokumen yang diterima", "h"), _bullets(documents),
        _p("Langkah selanjutnya", "h"), _bullets(receipt["next_steps"]),
        Spacer(1, 3 * mm),
        _p("Ikuti permohonan di " + url.split("#", 1)[0] + " dengan kode pelacakan di atas; "
           "permohonan ini juga dapat dihubungkan ke akun Anda nanti.", "small"),
        _p("Layanan ini tidak dipungut biaya. Simpan tanda terima ini dan jangan berikan kode "
           "QR kepada orang lain.", "small"),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A5, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN,
                            title=f"Tanda terima {receipt['tracking_code']}",
                            author="Disdukcapil Kabupaten Sumedang", lang="id")
    doc.build(story)
    return out.getvalue()
