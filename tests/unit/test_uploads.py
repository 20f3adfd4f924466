from __future__ import annotations

import pytest

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
