from __future__ import annotations

import io

import pytest
from reportlab.pdfgen import canvas

from gateway import uploads
from gateway.uploads import check_scan, sniff
from silasidakep.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from tests.support.scans import jpeg_scan, pdf_scan, png_scan


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(pdf_scan(), "application/pdf"), (png_scan(), "image/png"), (jpeg_scan(), "image/jpeg")],
)
def test_real_files_are_recognised_by_their_bytes(data: bytes, content_type: str) -> None:
    assert sniff(data) == content_type
    scan = check_scan(data, content_type + "; charset=binary")
    assert scan.content_type == content_type and len(scan.sha256) == 64


def test_a_header_that_lies_about_the_bytes_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType) as raised:
        check_scan(png_scan(), "application/pdf")
    assert raised.value.code == "FILE_CONTENT_MISMATCH"


def test_unsupported_type_empty_and_oversized_files_are_refused() -> None:
    with pytest.raises(UnsupportedMediaType):
        check_scan(b"GIF89a....", "image/gif")
    with pytest.raises(ValidationFailed):
        check_scan(b"", "application/pdf")
    with pytest.raises(PayloadTooLarge):
        check_scan(b"%PDF-" + b"0" * 100, "application/pdf", max_bytes=50)


def _encrypted_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt="rahasia")
    pdf.drawString(72, 770, "Dokumen uji (data sintetis)")
    pdf.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        (pdf_scan(min_size=20_000)[:-40], "application/pdf", "FILE_UNREADABLE"),  # cut short
        (b"%PDF-1.7\n" + b"x" * 500, "application/pdf", "FILE_UNREADABLE"),
        (_encrypted_pdf(), "application/pdf", "FILE_ENCRYPTED"),
        (jpeg_scan(400)[:900], "image/jpeg", "FILE_UNREADABLE"),
        (png_scan(400)[:120], "image/png", "FILE_UNREADABLE"),
    ],
    ids=["truncated-pdf", "garbage-pdf", "encrypted-pdf", "truncated-jpeg", "truncated-png"],
)
def test_a_file_that_does_not_open_is_refused(data: bytes, content_type: str, code: str) -> None:
    assert sniff(data) == content_type  # the magic bytes alone would have let it through
    with pytest.raises(ValidationFailed) as raised:
        check_scan(data, content_type)
    assert raised.value.code == code


def test_an_image_beyond_scan_resolution_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 300 * 300)
    check_scan(png_scan(300), "image/png")
    with pytest.raises(ValidationFailed) as raised:
        check_scan(png_scan(301), "image/png")
    assert raised.value.code == "IMAGE_TOO_LARGE"
