"""Scan uploads: the bytes decide the type, not the Content-Type header, and a file has to
open fully (the verifier must be able to view it) before it is stored."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from silasidakep.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A phone photo is 12-50 megapixels; anything far beyond is not a scan (or a decompression bomb).
MAX_IMAGE_PIXELS = 60_000_000
UNREADABLE = ("Berkas rusak atau tidak lengkap sehingga tidak dapat dibuka. "
              "Pindai ulang lalu unggah kembali.")
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


@dataclass(frozen=True)
class Scan:
    data: bytes
    content_type: str
    sha256: str


def sniff(data: bytes) -> str | None:
    for content_type, magics in SIGNATURES.items():
        if any(data.startswith(m) for m in magics):
            return content_type
    return None


def check_scan(data: bytes, declared_type: str | None, max_bytes: int = MAX_UPLOAD_BYTES) -> Scan:
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Ukuran berkas melebihi {max_bytes // (1024 * 1024)} MB.")
    if not data:
        raise ValidationFailed("Berkas kosong.", code="EMPTY_FILE")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in SIGNATURES:
        raise UnsupportedMediaType()
    actual = sniff(data)
    if actual != declared:
        raise UnsupportedMediaType(
            "Isi berkas tidak sesuai dengan jenisnya. Gunakan PDF, JPEG, atau PNG yang asli.",
            code="FILE_CONTENT_MISMATCH",
        )
    check_readable(data, actual)
    return Scan(data=data, content_type=actual, sha256=hashlib.sha256(data).hexdigest())


def check_readable(data: bytes, content_type: str) -> None:
    """Refuse a truncated or corrupt file, a password-protected PDF or an oversized image."""
    if content_type == "application/pdf":
        _check_pdf(data)
    else:
        _check_image(data)


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
        pages = 0 if encrypted else int(reader.root["/Pages"]["/Count"])
    except Exception as exc:  # pyHanko raises several types for a malformed file
        raise ValidationFailed(UNREADABLE, code="FILE_UNREADABLE") from exc
    if encrypted:
        raise ValidationFailed("PDF dilindungi kata sandi. Unggah PDF tanpa kata sandi.",
                               code="FILE_ENCRYPTED")
    if pages < 1:
        raise ValidationFailed(UNREADABLE, code="FILE_UNREADABLE")


def _check_image(data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationFailed(
                    "Resolusi gambar terlalu besar. Unggah pindaian dengan resolusi lebih kecil.",
                    code="IMAGE_TOO_LARGE")
            image.load()  # decodes every byte: a truncated JPEG/PNG fails here
    except ValidationFailed:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError...
        raise ValidationFailed(UNREADABLE, code="FILE_UNREADABLE") from exc
