"""Every output document, end to end: snapshot -> template -> PDF -> PAdES signature.

Each type is rendered and signed once per module (fixture `issued`); the tests check the
signature, the printed text, the page size and that tampering is detected. A PNG of page 1 of
each type is written to test-artifacts/documents/ for people to look at.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from services.intake.catalogue import card_outputs, load_catalogue
from services.printing import production
from services.printing.documents import card as card_module
from services.printing.documents.card import CardContent
from services.printing.documents.content import DocumentContent, format_tanggal
from services.printing.documents.devca import SigningFiles
from services.printing.documents.formatters import date_short, kia_valid_until
from services.printing.documents.pades import validate_signed_pdf
from services.printing.documents.places import region_module
from tests.support.snapshots import for_issuance

from .samples import ISSUED_AT, SNAPSHOTS, akta_lahir_snapshot

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "documents"
OUTPUT_TYPES = sorted(SNAPSHOTS)
CARDS = card_outputs()  # printed on an ID-1 card, not an A4 sheet
A4_DPI = 100
CARD_DPI = 300  # a card at 100 dpi is 337 px wide: too small to judge the layout


@dataclass(frozen=True)
class Issued:
    output: str
    snapshot: dict
    number: str
    content: DocumentContent | CardContent
    pdf: bytes
    signed: bytes


def _number(output: str) -> str:
    return f"3211-{output}-2026-000123"


@pytest.fixture(scope="module", params=OUTPUT_TYPES)
def issued(request: pytest.FixtureRequest, issuer: production.Issuer) -> Issued:
    output = request.param
    snapshot = SNAPSHOTS[output]()
    number = _number(output)
    content = production.document_content(issuer, number, snapshot, ISSUED_AT)
    pdf = production.render_content(content)
    return Issued(output, snapshot, number, content, pdf, production.sign_pdf(issuer, pdf))


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF with whitespace (line and paragraph breaks) collapsed."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = " ".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()
    return " ".join(text.split())


def test_every_catalogue_output_type_has_a_sample() -> None:
    # SUKET is printing's own temporary certificate (Cekatan), tested in test_suket.py.
    assert set(OUTPUT_TYPES) == set(production.TEMPLATES) - {"SUKET"}


def test_signature_validates(issued: Issued, dev_pki: SigningFiles) -> None:
    check = validate_signed_pdf(issued.signed, dev_pki.ca_file)

    assert check.ok, check
    assert b"/ETSI.CAdES.detached" in issued.signed


def test_tampered_copy_fails_validation(issued: Issued, dev_pki: SigningFiles) -> None:
    tampered = bytearray(issued.signed)
    # Flip bytes inside the first content stream, well within the signed byte range.
    start = issued.signed.index(b"stream\n") + 20
    for i in range(start, start + 8):
        tampered[i] ^= 0xFF

    check = validate_signed_pdf(bytes(tampered), dev_pki.ca_file)

    assert not check.ok
    assert not check.intact or check.error


def test_page_size(issued: Issued) -> None:
    document = pdfium.PdfDocument(issued.pdf)
    width, height = document[0].get_size()
    document.close()

    if issued.output in CARDS:
        assert (width, height) == pytest.approx((85.6 * mm, 54 * mm), abs=0.01)
    elif issued.output == "KK":
        assert (width, height) == pytest.approx((A4[1], A4[0]))
    else:
        assert (width, height) == pytest.approx(A4)


def test_printed_text_has_the_key_data(issued: Issued) -> None:
    text = pdf_text(issued.pdf)

    missing = [value for value in expected_text(issued) if value not in text]

    assert not missing, f"not printed on {issued.output}: {missing}\n{text}"


def test_screenshot_of_page_one(issued: Issued) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dpi = CARD_DPI if issued.output in CARDS else A4_DPI
    document = pdfium.PdfDocument(issued.signed)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    path = ARTIFACTS / f"{issued.output}.png"
    image.save(path)

    assert path.stat().st_size > 10_000
    assert image.width == pytest.approx(document_width_in(issued) * dpi, abs=2)


def document_width_in(issued: Issued) -> float:
    if issued.output in CARDS:
        return 85.6 / 25.4
    return (A4[1] if issued.output == "KK" else A4[0]) / 72


def test_rendering_is_deterministic(issued: Issued, issuer: production.Issuer) -> None:
    snapshot = SNAPSHOTS[issued.output]()
    again = production.document_content(issuer, issued.number, snapshot, ISSUED_AT)

    assert production.render_content(again) == issued.pdf


def expected_text(issued: Issued) -> list[str]:
    """Values each document must print, straight from the snapshot."""
    form, applicant = issued.snapshot["form"], issued.snapshot["applicant"]
    up = str.upper

    def long_date(value: str) -> str:
        return format_tanggal(dt.date.fromisoformat(value))

    common = [] if issued.output in CARDS else [issued.content.title, issued.number]
    region = region_module() is not None
    match issued.output:
        case "KK":
            members = form["members"]
            return [
                *common,
                applicant["kk_number"],
                up(members[0]["name"]),
                *(m["nik"] for m in members),
                *(up(m["name"]) for m in members),
                *(date_short(m["birth_date"]) for m in members),
                up(form["address"]),
                "SITURAJA UTARA" if region else form["desa_code"],
            ]
        case "KTP_EL":
            return [
                applicant["nik"],
                up(applicant["name"]),
                f"{up(form['birth_place'])}, {date_short(form['birth_date'])}",
                "LAKI-LAKI" if form["sex"] == "L" else "PEREMPUAN",
                "SEUMUR HIDUP",
                "PROVINSI JAWA BARAT" if region else "PROVINSI 32",
                "SITURAJA UTARA" if region else form["desa_code"],
                issued.content.issued_at.strftime("%d-%m-%Y"),
            ]
        case "KIA":
            return [
                "KARTU IDENTITAS ANAK",
                form["child_nik"],
                up(form["child_name"]),
                applicant["kk_number"],
                up(applicant["name"]),
                form["birth_certificate_number"],
                date_short(kia_valid_until(form["child_birth_date"])),
            ]
        case "AKTA_LAHIR":
            return [
                *common,
                up(form["child_name"]),
                "PEREMPUAN",
                "dua November dua ribu dua puluh enam",
                long_date(form["birth_date"]),
                "anak kedua",
                up(form["father_name"]),
                up(form["mother_name"]),
                "08.30 WIB",
            ]
        case "AKTA_MATI":
            return [
                *common,
                form["deceased_nik"],
                up(form["deceased_name"]),
                long_date(form["death_date"]),
                "04.15 WIB",
                up(applicant["name"]),
            ]
        case "AKTA_KAWIN" | "AKTA_CERAI":
            extra = (
                [form["marriage_place"], long_date(form["marriage_date"]), "agama Kristen"]
                if issued.output == "AKTA_KAWIN"
                else [form["ruling_number"], form["court_name"], long_date(form["ruling_date"])]
            )
            return [
                *common,
                form["husband_nik"],
                up(form["husband_name"]),
                form["wife_nik"],
                up(form["wife_name"]),
                *extra,
            ]
        case "SKPWNI":
            return [
                *common,
                applicant["kk_number"],
                up(form["destination_address"]),
                long_date(form["planned_move_date"]),
                *(m["nik"] for m in form["movers"]),
                *(up(m["name"]) for m in form["movers"]),
                "KOTA BANDUNG" if region else form["destination_desa_code"],
            ]
        case "BIODATA":
            return [
                *common,
                form["subject_nik"],
                up(form["subject_name"]),
                form["old_value"],
                form["new_value"],
                "Pendidikan",
            ]
    raise AssertionError(f"no expectations for {issued.output}")


def test_birth_certificate_of_a_child_registered_with_the_mother_only(
    issuer: production.Issuer,
) -> None:
    snapshot = akta_lahir_snapshot(with_father=False)

    text = pdf_text(production.render(issuer, _number("AKTA_LAHIR"), snapshot))

    assert "dari ibu " + snapshot["form"]["mother_name"].upper() in text
    assert "ayah" not in text


def test_card_qr_code_encodes_the_verify_url(
    issuer: production.Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real = card_module.qr_drawing

    def spy(value: str, size: float):
        encoded.append(value)
        return real(value, size)

    monkeypatch.setattr(card_module, "qr_drawing", spy)
    production.render(issuer, _number("KTP_EL"), SNAPSHOTS["KTP_EL"]())

    assert encoded == [f"{issuer.public_base_url}/verify/{_number('KTP_EL')}"]


def test_the_card_qr_code_scans_as_the_verify_url(issuer: production.Issuer) -> None:
    pdf = production.render(issuer, _number("KTP_EL"), SNAPSHOTS["KTP_EL"]())
    image = pdfium.PdfDocument(pdf)[0].render(scale=300 / 72).to_pil()  # the small card

    assert [code.text for code in zxingcpp.read_barcodes(image)] == [
        f"{issuer.public_base_url}/verify/{_number('KTP_EL')}"
    ]


def test_long_card_values_are_shrunk_or_cut_not_overflowing(issuer: production.Issuer) -> None:
    snapshot = SNAPSHOTS["KTP_EL"]()
    snapshot["applicant"]["name"] = "Raden Ayu Siti Nurhaliza Kusumawardhani Purnamasari Wijaya"
    snapshot["form"]["address"] = "Jalan " + "Panjang Sekali " * 14 + "No. 1"

    content = production.document_content(issuer, _number("KTP_EL"), snapshot, ISSUED_AT)
    pdf = production.render_content(content)

    page = pdfium.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    width = page.get_width()
    boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
    assert all(right <= width - 2 * mm for _, _, right, _ in boxes)  # nothing runs off the card
    assert "\u2026" in textpage.get_text_bounded()  # the address was cut, visibly


def test_unknown_output_document_is_rejected(issuer: production.Issuer) -> None:
    snapshot = {**SNAPSHOTS["KK"](), "output_document": "SURAT_SAKTI"}

    with pytest.raises(production.UnsupportedDocument):
        production.render(issuer, "3211-SURAT_SAKTI-2026-000001", snapshot)


def test_concurrent_rendering_of_every_type_matches_serial(issuer: production.Issuer) -> None:
    jobs = [(output, SNAPSHOTS[output]()) for output in OUTPUT_TYPES * 2]

    def render(job: tuple[str, dict]) -> bytes:
        output, snapshot = job
        content = production.document_content(issuer, _number(output), snapshot, ISSUED_AT)
        return production.render_content(content)

    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(render, jobs))

    assert concurrent == [render(job) for job in jobs]


def _catalogue_outputs() -> dict[str, str]:
    # Corrections and reprints issue the original document's type (no static output).
    return {code: s.output_document for code, s in load_catalogue().items() if s.output_document}


@pytest.mark.parametrize(("service_code", "output"), sorted(_catalogue_outputs().items()))
def test_every_catalogue_service_renders_from_the_shared_test_forms(
    issuer: production.Issuer, service_code: str, output: str
) -> None:
    # The forms that the e2e tests and the benchmark submit; they need the shared region list.
    pytest.importorskip("silasidakep.regions")
    from tests.support.forms import adult, application_payload

    payload = application_payload(service_code, adult(11), seed=11)
    snapshot = for_issuance(
        {"tracking_code": "SLS-TEST0001", "output_document": output, **payload}
    )

    holder = snapshot["subject"]["name"]
    text = pdf_text(production.render(issuer, _number(output), snapshot)).upper()

    for name in holder.split(" dan "):  # a couple is printed as two names
        assert name.upper() in text
