"""The data-subject export as a readable A4 PDF in Bahasa Indonesia (issue 14).

Rendered server side from the composed JSON export (``gateway/routes/subject_export.py``): one
heading per section, tables for the rows, "Tidak ada data." for an empty section. The NIK is
shown in full here, as in the JSON: the export goes only to its owner or an auditor. Fonts are
reportlab's bundled Vera (embedded), like the documents printing issues.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from silasidakep.clock import WIB

FONT, FONT_BOLD = "ExportSans", "ExportSans-Bold"
WIDTH = A4[0] - 30 * mm
MAX_CELL = 600  # characters of one cell; the JSON export has everything in full
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
REQUESTERS = {"AUDITOR": "Auditor", "CITIZEN": "Pemilik data (akun warga)"}

Columns = Sequence[tuple[str, str]]

# (section key, heading, columns); applications are laid out on their own (see _application).
SECTIONS: tuple[tuple[str, str, Columns], ...] = (
    ("accounts", "Akun warga", (
        ("account_id", "ID akun"), ("name", "Nama"), ("contacts", "Kontak"),
        ("preferred_channel", "Saluran"), ("nik_verified_at", "NIK terverifikasi"),
        ("created_at", "Dibuat"), ("last_sign_in_at", "Masuk terakhir"),
        ("sessions", "Perangkat"))),
    ("appointments", "Jadwal kedatangan", (
        ("tracking_code", "Permohonan"), ("step", "Tahap"), ("date", "Tanggal"),
        ("start_time", "Jam"), ("location_name", "Lokasi"), ("status", "Status"))),
    ("complaints", "Pengaduan dan masukan", (
        ("tracking_code", "Kode"), ("kind", "Jenis"), ("category", "Kategori"),
        ("status", "Status"), ("message", "Isi"), ("answer", "Jawaban"),
        ("created_at", "Diajukan"))),
    ("documents", "Dokumen yang diterbitkan", (
        ("document_number", "Nomor"), ("document_type", "Jenis"), ("state", "Tahap"),
        ("status", "Status"), ("issued_at", "Terbit"), ("revoked_at", "Dicabut"),
        ("revocation_reason", "Alasan pencabutan"))),
    ("print_jobs", "Pencetakan di kecamatan", (
        ("document_number", "Dokumen"), ("kecamatan_code", "Kecamatan"), ("state", "Status"),
        ("printed_at", "Dicetak"), ("collected_at", "Diambil"))),
    ("messages", "Pesan yang dikirim", (
        ("tracking_code", "Permohonan"), ("channel", "Saluran"), ("template", "Jenis pesan"),
        ("state", "Status"), ("recipient_masked", "Penerima"), ("sent_at", "Dikirim"))),
    ("submissions", "Pengajuan ke antrean verifikasi", (
        ("tracking_code", "Permohonan"), ("round", "Putaran"), ("state", "Status antrean"),
        ("submitted_at", "Diajukan"), ("deadline_at", "Target selesai"))),
    ("decisions", "Keputusan verifikasi", (
        ("tracking_code", "Permohonan"), ("round", "Putaran"), ("decision", "Keputusan"),
        ("reason_code", "Alasan"), ("note", "Catatan"), ("decided_by", "Petugas"),
        ("decided_at", "Waktu"))),
    ("history", "Riwayat pemrosesan (rantai audit)", (
        ("seq", "No."), ("at", "Waktu"), ("action", "Tindakan"), ("tracking_code", "Permohonan"),
        ("username", "Petugas"), ("detail", "Keterangan"))),
)


@cache
def _fonts() -> None:
    font_dir = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(font_dir / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_dir / "VeraBd.ttf")))


@cache
def _styles() -> dict[str, ParagraphStyle]:
    _fonts()
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=15, leading=19,
                                spaceAfter=4 * mm),
        "h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=12, leading=15,
                             spaceBefore=5 * mm, spaceAfter=2 * mm),
        "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=3 * mm, spaceAfter=1 * mm),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=7.5, leading=9.5),
    }


def text_of(value: Any) -> str:
    """A cell's text: lists and objects compactly, None as a dash."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return "; ".join(", ".join(f"{v}" for v in item.values() if v) for item in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and MOMENT.match(value):
        return _wib(value)
    return str(value)


def _wib(value: str) -> str:
    """An ISO date-time as the reader's clock shows it: ``02-11-2026 10:04 WIB``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def _cell(value: Any, style: str = "cell") -> Paragraph:
    text = text_of(value)
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL] + " …"
    return Paragraph(escape(text), _styles()[style])


def table(rows: Sequence[dict[str, Any]], columns: Columns) -> Flowable:
    if not rows:
        return Paragraph("Tidak ada data.", _styles()["body"])
    data = [[_cell(label, "head") for _, label in columns]]
    data += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    grid = Table(data, colWidths=[WIDTH / len(columns)] * len(columns), repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return grid


def pairs(items: Sequence[tuple[str, Any]]) -> Flowable:
    """A two-column label/value table (an application's facts, its form)."""
    data = [[_cell(label, "head"), _cell(value)] for label, value in items]
    if not data:
        return Paragraph("Tidak ada data.", _styles()["body"])
    grid = Table(data, colWidths=[WIDTH * 0.32, WIDTH * 0.68])
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """A form as dotted paths (``members.1.name``) and their values."""
    if isinstance(value, dict):
        return [p for key, item in value.items()
                for p in flatten(item, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return [p for index, item in enumerate(value, 1)
                for p in flatten(item, f"{prefix}.{index}")]
    return [(prefix, value)]


def _application(app: dict[str, Any]) -> list[Flowable]:
    styles = _styles()
    applicant = app.get("applicant") or {}
    facts = [
        ("Kode pelacakan", app.get("tracking_code")), ("Layanan", app.get("service_name")),
        ("Status", app.get("status")), ("Peran NIK", ", ".join(app.get("roles") or [])),
        ("Pemohon", f"{applicant.get('name')} (NIK {applicant.get('nik')})"),
        ("Nomor KK", applicant.get("kk_number")), ("Email", applicant.get("email")),
        ("Telepon", applicant.get("phone")), ("Pelapor", app.get("reporter")),
        ("Dibuat", app.get("created_at")), ("Diajukan", app.get("submitted_at")),
        ("Nomor dokumen", app.get("document_number")), ("Terbit", app.get("issued_at")),
    ]
    return [
        Paragraph(escape(f"{app.get('tracking_code')} — {app.get('service_name')}"),
                  styles["h2"]),
        pairs(facts),
        Paragraph("Isian formulir", styles["h2"]), pairs(flatten(app.get("form") or {})),
        Paragraph("Riwayat status", styles["h2"]),
        table(app.get("history") or [], (("seq", "No."), ("status", "Status"), ("at", "Waktu"),
                                         ("reason_code", "Alasan"), ("note", "Catatan"))),
        Paragraph("Berkas yang diunggah (metadata)", styles["h2"]),
        table(app.get("uploads") or [], (("doc_type", "Jenis"), ("content_type", "Format"),
                                         ("size", "Ukuran (byte)"), ("uploaded_at", "Diunggah"),
                                         ("current", "Berlaku"))),
    ]


def _with_tracking_codes(export: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Rows name an application by id; the reader knows it by its tracking code."""
    sections = export.get("sections") or {}
    codes = {a["application_id"]: a["tracking_code"] for a in sections.get("applications", [])}
    return {key: [{**row, "tracking_code": row.get("tracking_code")
                   or codes.get(row.get("application_id"))} for row in rows]
            for key, rows in sections.items()}


def render(export: dict[str, Any]) -> bytes:
    styles = _styles()
    sections = _with_tracking_codes(export)
    subject = export.get("subject") or {}
    story: list[Flowable] = [
        Paragraph("Ekspor Data Pribadi Subjek Data", styles["title"]),
        Paragraph("Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sumedang — berdasarkan "
                  "UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.", styles["body"]),
        Spacer(1, 3 * mm),
        pairs([("NIK", subject.get("nik")), ("Dibuat pada", export.get("generated_at")),
               ("Diminta oleh", REQUESTERS.get(export.get("requested_by"), "–")),
               ("Nomor catatan audit", export.get("export_audit_seq"))]),
        Paragraph("Permohonan", styles["h1"]),
    ]
    applications = sections.get("applications") or []
    if not applications:
        story.append(Paragraph("Tidak ada data.", styles["body"]))
    for app in applications:
        story += _application(app)
    for key, heading, columns in SECTIONS:
        story += [Paragraph(heading, styles["h1"]), table(sections.get(key) or [], columns)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title="Ekspor Data Pribadi", author="Disdukcapil Kabupaten Sumedang")
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 7)
    canvas.drawString(15 * mm, 8 * mm, "Rahasia: data pribadi. Jangan disebarluaskan.")
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Halaman {doc.page}")
    canvas.restoreState()
