"""Scan uploads: the bytes decide the type, not the Content-Type header, and a file has to
open fully (the verifier must be able to view it) before it is stored. Images are stored
re-encoded (no EXIF/GPS, nothing smuggled after the image); a PDF that can run code or carries
files is refused."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from werkzeug.wrappers import Request

from silasidakep.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A phone photo is 12-50 megapixels; anything far beyond is not a scan (or a decompression bomb).
MAX_IMAGE_PIXELS = 60_000_000
JPEG_QUALITY = 90
# Containers (dictionaries, arrays) a PDF's object graph may have before we stop checking it: a
# scanned document has a few per page; millions of tiny objects fit in 5 MB.
MAX_PDF_OBJECTS = 50_000
UNREADABLE = ("Berkas rusak atau tidak lengkap sehingga tidak dapat dibuka. "
              "Pindai ulang lalu unggah kembali.")
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
ACTIVE_CONTENT = ("PDF berisi skrip, tautan peluncur, atau lampiran tersemat. Cetak ulang ke PDF "
                  "biasa atau pindai dokumennya, lalu unggah kembali.")
# What makes a PDF do something beyond showing pages: scripts, actions run on open or on
# events, programs launched, embedded files and media, XFA forms (which can script too).
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/XFA",
                         "/RichMediaContent"})
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/SubmitForm",
                            "/Rendition", "/RichMediaExecute"})
ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"})


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


def read_body(request: Request, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of the body, so an over-long one is caught however it is
    framed. A chunked body has no Content-Length, and werkzeug then hands out an empty
    ``request.stream`` unless the server sets ``wsgi.input_terminated``; eventlet (nameko's
    server) does not, though its ``wsgi.input`` decodes the chunks and ends at the last one."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    stream: IO[bytes] = request.stream
    if chunked and "wsgi.input_terminated" not in request.environ:
        stream = request.environ["wsgi.input"]
    parts, size = [], 0
    while size <= limit:  # a read may return less than asked for
        part = stream.read(limit + 1 - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


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
    stored = check_readable(data, actual)
    return Scan(data=stored, content_type=actual, sha256=hashlib.sha256(stored).hexdigest())


def check_readable(data: bytes, content_type: str) -> bytes:
    """The bytes to store. Refuse a truncated or corrupt file, a password-protected or active
    PDF, or an oversized image; an image comes back decoded and saved again."""
    if content_type == "application/pdf":
        _check_pdf(data)
        return data
    return _reencode_image(data, content_type)


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
    try:
        active = _has_active_content(reader.root)
    except ValidationFailed:
        raise
    except Exception as exc:  # a reference that does not resolve: cannot be checked
        raise ValidationFailed(UNREADABLE, code="FILE_UNREADABLE") from exc
    if active:
        # 400 like the other refused contents (FILE_ENCRYPTED, FILE_UNREADABLE).
        raise ValidationFailed(ACTIVE_CONTENT, code="FILE_ACTIVE_CONTENT")


def _has_active_content(root: generic.PdfObject) -> bool:
    """Walk everything the catalog reaches (names, pages, annotations, forms, resources) for
    scripts, actions, attachments and media. Iterative, each indirect object visited once (a
    reference loop ends), at most ``MAX_PDF_OBJECTS`` containers; stream data is not decoded."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [root]
    visited = 0
    while stack:
        obj = stack.pop()
        while isinstance(obj, generic.IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                obj = None
                break
            seen.add(ref)
            # One level at a time: pyHanko's own get_object() recurses through chains.
            obj = obj.reference.get_object()
        if isinstance(obj, generic.DictionaryObject):
            items = list(dict.items(obj))  # raw values: references are followed above
            for key, value in items:
                if key in ACTIVE_KEYS:
                    return True
                if not isinstance(value, generic.NameObject):
                    continue
                if ((key == "/S" and value in ACTIVE_ACTIONS)
                        or (key == "/Subtype" and value in ACTIVE_SUBTYPES)
                        or (key == "/Type" and value == "/EmbeddedFile")):
                    return True
            stack.extend(value for _, value in items)
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(list.__iter__(obj))
        else:
            continue
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValidationFailed(
                "PDF terlalu rumit untuk diperiksa. Cetak ulang ke PDF biasa atau pindai "
                "dokumennya, lalu unggah kembali.", code="FILE_TOO_COMPLEX")
    return False


def _reencode_image(data: bytes, content_type: str) -> bytes:
    """Decode and save again in the same format: only pixels survive, so EXIF (GPS location,
    device), comments, colour profiles and anything appended after the image (a ZIP, a
    script) are not stored. EXIF orientation is applied first so the page stays upright."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # from the header: checked before decoding anything
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationFailed(
                    "Resolusi gambar terlalu besar. Unggah pindaian dengan resolusi lebih kecil.",
                    code="IMAGE_TOO_LARGE")
            image.load()  # decodes every byte: a truncated JPEG/PNG fails here
            upright = ImageOps.exif_transpose(image)
        # Pillow writes some of ``info`` back (a JPEG comment, a PNG profile): keep only
        # what rendering needs.
        kept = {k: upright.info[k] for k in ("transparency", "dpi") if k in upright.info}
        upright.info = {}
        out = io.BytesIO()
        if content_type == "image/png":
            upright.save(out, format="PNG", **kept)
        else:
            kept.pop("transparency", None)
            upright.save(out, format="JPEG", quality=JPEG_QUALITY, **kept)
        return out.getvalue()
    except ValidationFailed:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError...
        raise ValidationFailed(UNREADABLE, code="FILE_UNREADABLE") from exc
