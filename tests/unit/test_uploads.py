from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pytest
from PIL import Image, ImageFile, PngImagePlugin
from pyhanko.pdf_utils import generic as pdf
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import uploads
from gateway.uploads import check_scan, read_body, sniff
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


# --- images are stored re-encoded ---------------------------------------------------------------

GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


def _photo_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "KameraRahasia"
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (6.0, 49.0, 12.5), 3: "E", 4: (107.0, 36.0, 0.0)})
    return exif


def test_a_jpeg_loses_exif_gps_and_what_was_appended_but_stays_upright() -> None:
    photo = Image.new("RGB", (80, 40), (250, 10, 10))
    photo.paste((10, 10, 250), (0, 0, 40, 40))  # left half blue: shows the rotation
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=_photo_exif(), comment=b"catatan pribadi")
    original = buffer.getvalue() + b"PK\x03\x04" + b"zip payload" * 10
    scan = check_scan(original, "image/jpeg")
    assert scan.content_type == "image/jpeg" and sniff(scan.data) == "image/jpeg"
    assert scan.sha256 == hashlib.sha256(scan.data).hexdigest()
    for secret in (b"PK\x03\x04", b"zip payload", b"KameraRahasia", b"catatan", b"Exif"):
        assert secret not in scan.data
    with Image.open(io.BytesIO(scan.data)) as stored:
        assert not stored.getexif() and "exif" not in stored.info and "comment" not in stored.info
        # Orientation 6 (turn 90° clockwise) applied before the tag was dropped: the blue
        # left half is now on top.
        assert stored.size == (40, 80)
        top, bottom = stored.convert("RGB").getpixel((20, 5)), stored.getpixel((20, 75))
        assert top[2] > 200 > top[0] and bottom[0] > 200 > bottom[2]


def test_a_png_stays_png_without_text_exif_or_trailing_bytes() -> None:
    image = Image.new("RGBA", (30, 30), (0, 128, 0, 200))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "alamat rumah")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=text, exif=_photo_exif(1))
    scan = check_scan(buffer.getvalue() + b"PK\x03\x04trailer", "image/png")
    assert scan.content_type == "image/png" and sniff(scan.data) == "image/png"
    assert b"alamat rumah" not in scan.data and b"PK\x03\x04" not in scan.data
    with Image.open(io.BytesIO(scan.data)) as stored:
        assert stored.format == "PNG" and stored.mode == "RGBA" and not stored.getexif()
        assert stored.getpixel((3, 3)) == (0, 128, 0, 200)  # PNG is lossless


def test_the_pixel_guard_runs_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("decoded an image over the pixel limit")

    data = jpeg_scan(64)
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100)
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    with pytest.raises(ValidationFailed) as raised:
        check_scan(data, "image/jpeg")
    assert raised.value.code == "IMAGE_TOO_LARGE"


# --- PDFs that can act are refused --------------------------------------------------------------


def _name(value: str) -> pdf.NameObject:
    return pdf.NameObject(value)


def _javascript() -> pdf.DictionaryObject:
    return pdf.DictionaryObject({_name("/S"): _name("/JavaScript"),
                                 _name("/JS"): pdf.TextStringObject("app.alert(1)")})


def _edited_pdf(edit: Callable[[IncrementalPdfFileWriter, pdf.DictionaryObject], None]) -> bytes:
    """A real PDF with ``edit`` applied to the catalog and its first page (a new revision)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_scan()))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    edit(writer, page)
    writer.update_container(page)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _annotation(writer: IncrementalPdfFileWriter, page: pdf.DictionaryObject,
                entries: dict[str, pdf.PdfObject]) -> None:
    annotation = pdf.DictionaryObject({_name("/Type"): _name("/Annot"),
                                       _name("/Rect"): pdf.ArrayObject(
                                           [pdf.NumberObject(n) for n in (0, 0, 50, 50)])})
    annotation.update({_name(k): v for k, v in entries.items()})
    page[_name("/Annots")] = pdf.ArrayObject([writer.add_object(annotation)])


def _open_javascript(writer, page) -> None:
    writer.root[_name("/OpenAction")] = writer.add_object(_javascript())


def _javascript_name_tree(writer, page) -> None:
    tree = pdf.DictionaryObject({_name("/Names"): pdf.ArrayObject(
        [pdf.TextStringObject("mulai"), writer.add_object(_javascript())])})
    writer.root[_name("/Names")] = pdf.DictionaryObject({_name("/JavaScript"): tree})


def _embedded_file(writer, page) -> None:
    stream = pdf.StreamObject({_name("/Type"): _name("/EmbeddedFile")}, stream_data=b"MZ")
    spec = pdf.DictionaryObject({
        _name("/Type"): _name("/Filespec"), _name("/F"): pdf.TextStringObject("a.exe"),
        _name("/EF"): pdf.DictionaryObject({_name("/F"): writer.add_object(stream)}),
    })
    tree = pdf.DictionaryObject({_name("/Names"): pdf.ArrayObject(
        [pdf.TextStringObject("a.exe"), writer.add_object(spec)])})
    writer.root[_name("/Names")] = pdf.DictionaryObject({_name("/EmbeddedFiles"): tree})


def _page_additional_action(writer, page) -> None:
    page[_name("/AA")] = pdf.DictionaryObject({_name("/O"): writer.add_object(_javascript())})


def _launch_link(writer, page) -> None:
    launch = pdf.DictionaryObject({_name("/S"): _name("/Launch"),
                                   _name("/F"): pdf.TextStringObject("cmd.exe")})
    _annotation(writer, page, {"/Subtype": _name("/Link"), "/A": launch})


def _file_attachment(writer, page) -> None:
    spec = pdf.DictionaryObject({_name("/Type"): _name("/Filespec"),
                                 _name("/F"): pdf.TextStringObject("catatan.txt")})
    _annotation(writer, page, {"/Subtype": _name("/FileAttachment"), "/FS": spec})


def _rich_media(writer, page) -> None:
    _annotation(writer, page, {"/Subtype": _name("/RichMedia")})


def _xfa_form(writer, page) -> None:
    xfa = writer.add_object(pdf.StreamObject(stream_data=b"<xdp:xdp/>"))
    writer.root[_name("/AcroForm")] = pdf.DictionaryObject(
        {_name("/Fields"): pdf.ArrayObject(), _name("/XFA"): xfa})


@pytest.mark.parametrize("edit", [
    _open_javascript, _javascript_name_tree, _embedded_file, _page_additional_action,
    _launch_link, _file_attachment, _rich_media, _xfa_form,
])
def test_an_active_pdf_is_refused(edit) -> None:
    data = _edited_pdf(edit)
    check_scan(pdf_scan(), "application/pdf")  # the same PDF before the edit is fine
    with pytest.raises(ValidationFailed) as raised:
        check_scan(data, "application/pdf")
    assert raised.value.code == "FILE_ACTIVE_CONTENT" and raised.value.http_status == 400
    assert "PDF berisi skrip" in raised.value.message


def _harmless_extras(writer, page) -> None:
    """What ordinary PDFs have: open on page 1, a web link, and a reference loop."""
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    writer.root[_name("/OpenAction")] = pdf.ArrayObject([page_ref, _name("/Fit")])
    link = pdf.DictionaryObject({_name("/S"): _name("/URI"),
                                 _name("/URI"): pdf.TextStringObject("https://example.org")})
    _annotation(writer, page, {"/Subtype": _name("/Link"), "/A": link, "/P": page_ref})
    loop = pdf.DictionaryObject()
    loop_ref = writer.add_object(loop)
    loop[_name("/Next")] = loop_ref
    writer.root[_name("/Loop")] = loop_ref


def test_a_pdf_with_links_and_loops_is_accepted_unchanged() -> None:
    data = _edited_pdf(_harmless_extras)
    scan = check_scan(data, "application/pdf")
    assert scan.data == data and scan.sha256 == hashlib.sha256(data).hexdigest()


def test_a_pdf_too_big_to_walk_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_PDF_OBJECTS", 3)
    with pytest.raises(ValidationFailed) as raised:
        check_scan(pdf_scan(), "application/pdf")
    assert raised.value.code == "FILE_TOO_COMPLEX"


# --- the body -----------------------------------------------------------------------------------


class Trickle(io.RawIOBase):
    """A server's input stream that ends by itself and returns a few bytes per read."""

    def __init__(self, data: bytes) -> None:
        self.source = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.source.read(min(size, 1000) if size and size > 0 else 1000)


def _chunked_request(data: bytes) -> Request:
    environ = EnvironBuilder(method="PUT", headers={"Transfer-Encoding": "chunked"}).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = Trickle(data)  # eventlet: decoded, ended, no input_terminated
    return Request(environ)


def test_a_chunked_body_is_read_up_to_one_byte_past_the_limit() -> None:
    assert read_body(_chunked_request(b"x" * 5000), limit=10_000) == b"x" * 5000
    assert len(read_body(_chunked_request(b"x" * 50_000), limit=10_000)) == 10_001


def test_a_body_with_content_length_is_read_through_werkzeug() -> None:
    request = Request(EnvironBuilder(method="PUT", data=b"y" * 300).get_environ())
    assert read_body(request, limit=1000) == b"y" * 300
    assert len(read_body(Request(EnvironBuilder(method="PUT", data=b"y" * 300).get_environ()),
                         limit=100)) == 101
