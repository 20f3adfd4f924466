"""Scan uploads: the bytes decide the type, not the Content-Type header."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from silasidakep.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
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
    return Scan(data=data, content_type=actual, sha256=hashlib.sha256(data).hexdigest())
