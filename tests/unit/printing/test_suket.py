"""The temporary certificate (Suket) a card job waiting for blanko gets (Cekatan)."""

from __future__ import annotations

import pypdfium2 as pdfium

from services.printing import cekatan, issuance
from services.printing.documents.devca import SigningFiles
from services.printing.documents.signing import validate_signed_pdf

from .samples import SNAPSHOTS


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return " ".join(
            " ".join(page.get_textpage().get_text_bounded() for page in document).split()
        )
    finally:
        document.close()


def test_suket_of_a_kia_names_the_child_and_is_signed(
    issuer: issuance.Issuer, dev_pki: SigningFiles
) -> None:
    snapshot = SNAPSHOTS["KIA"]()
    pdf = cekatan.suket_pdf(issuer, "3211-SUKET-2026-000001", snapshot)
    text = _text(pdf)
    assert "SURAT KETERANGAN PENGGANTI KARTU IDENTITAS" in text
    assert snapshot["form"]["child_name"].upper() in text
    assert snapshot["form"]["child_nik"] in text
    assert "3211-SUKET-2026-000001" in text
    assert validate_signed_pdf(issuance.sign(issuer, pdf), dev_pki.ca_file).ok


def test_only_cards_and_kecamatan_delivery_get_a_print_job() -> None:
    assert cekatan.needs_job({"output_document": "KIA"})
    assert cekatan.needs_job({"output_document": "KTP_EL", "delivery": "DOWNLOAD"})
    assert cekatan.needs_job({"output_document": "KK", "delivery": "KECAMATAN"})
    assert not cekatan.needs_job({"output_document": "KK", "delivery": "DOWNLOAD"})
    assert not cekatan.needs_job({"output_document": "AKTA_LAHIR"})
