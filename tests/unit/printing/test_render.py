from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib.pagesizes import A4

from services.printing.documents import render
from services.printing.documents.content import DocumentContent, format_tanggal, place_name
from services.printing.documents.drawing import QR_SIZE
from services.printing.documents.render import render_document

from .samples import make_kk


def test_rendering_is_deterministic(kk: DocumentContent) -> None:
    assert render_document(kk) == render_document(make_kk())


def test_different_content_gives_different_bytes(kk: DocumentContent) -> None:
    assert render_document(kk) != render_document(make_kk(serial=124))


def test_kk_is_landscape_a4_with_embedded_fonts(kk: DocumentContent) -> None:
    pdf = render_document(kk)

    assert _page_size(pdf) == pytest.approx((A4[1], A4[0]))
    assert b"/FontFile2" in pdf  # TrueType font program embedded


def test_document_without_members_is_portrait(kk: DocumentContent) -> None:
    doc = make_kk(members=[], document_type="AKTA_LAHIR", title="KUTIPAN AKTA KELAHIRAN")

    assert _page_size(render_document(doc)) == pytest.approx(A4)


def test_many_members_flow_onto_more_pages(kk: DocumentContent) -> None:
    many = [{**kk.members[2], "Nama Lengkap": f"Anak Santoso Ke {i}"} for i in range(40)]

    assert _page_count(render_document(make_kk(members=many))) > 1


def test_markup_characters_in_data_are_printed_not_interpreted() -> None:
    doc = make_kk(fields=[("Alamat", "Gg. <Melati> & Mawar")])

    render_document(doc)  # reportlab would raise on unescaped "<Melati>"


def test_the_printed_qr_code_scans_as_the_verify_url(kk: DocumentContent) -> None:
    page = pdfium.PdfDocument(render_document(kk))[0]
    image = page.render(scale=150 / 72).to_pil()  # 150 dpi, a cheap office scanner

    scanned = zxingcpp.read_barcodes(image)

    assert [(code.format, code.text) for code in scanned] == [
        (zxingcpp.BarcodeFormat.QRCode, kk.verify_url)
    ]
    assert scanned[0].ec_level == "M"


def test_rendered_document_carries_a_qr_of_its_verify_url(
    kk: DocumentContent, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real = render.qr_drawing  # the A4 renderer's own reference to the shared QR drawing

    def spy(value: str, size: float = QR_SIZE):
        encoded.append(value)
        return real(value, size)

    monkeypatch.setattr(render, "qr_drawing", spy)
    render_document(kk)

    assert encoded == [kk.verify_url]


def test_member_columns_for_kk(kk: DocumentContent) -> None:
    assert render.member_columns(kk)[:3] == ("No", "Nama Lengkap", "NIK")
    assert len(render.member_columns(kk)) == 14


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 28), "28 November 2026"),
        (dt.date(2026, 1, 5), "5 Januari 2026"),
        (dt.datetime(2026, 8, 17, 10, 0), "17 Agustus 2026"),
        # 20:00 UTC is already the next day in Sumedang (WIB, UTC+7).
        (dt.datetime(2026, 11, 27, 20, 0, tzinfo=dt.UTC), "28 November 2026"),
    ],
)
def test_format_tanggal(value: dt.date, expected: str) -> None:
    assert format_tanggal(value) == expected


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("KABUPATEN SUMEDANG", "Sumedang"),
        ("KOTA BANDUNG", "Bandung"),
        ("KABUPATEN BANDUNG BARAT", "Bandung Barat"),
    ],
)
def test_place_name(region: str, expected: str) -> None:
    assert place_name(region) == expected


def _pages(pdf: bytes) -> list:
    reader = PdfFileReader(BytesIO(pdf))
    return list(reader.root["/Pages"]["/Kids"])


def _page_count(pdf: bytes) -> int:
    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def _page_size(pdf: bytes) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in _pages(pdf)[0].get_object()["/MediaBox"])
    return x1 - x0, y1 - y0


def test_concurrent_rendering_matches_serial_rendering() -> None:
    # reportlab keeps font-subset state per document; threads must not mix it up.
    docs = [make_kk(serial=serial) for serial in range(1, 9)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(render_document, docs))

    assert concurrent == [render_document(doc) for doc in docs]
