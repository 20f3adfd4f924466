"""The temporary certificate (Suket) a card job waiting for blanko gets (Cekatan)."""

from __future__ import annotations

import pypdfium2 as pdfium

from services.printing import production
from services.printing.documents.devca import SigningFiles
from services.printing.documents.pades import validate_signed_pdf
from services.printing.kecamatan import print_jobs, suket

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
    issuer: production.Issuer, dev_pki: SigningFiles
) -> None:
    snapshot = SNAPSHOTS["KIA"]()
    pdf = suket.suket_pdf(issuer, "3211-SUKET-2026-000001", snapshot)
    text = _text(pdf)
    assert "SURAT KETERANGAN PENGGANTI KARTU IDENTITAS" in text
    assert snapshot["form"]["child_name"].upper() in text
    assert snapshot["form"]["child_nik"] in text
    assert "3211-SUKET-2026-000001" in text
    assert validate_signed_pdf(production.sign_pdf(issuer, pdf), dev_pki.ca_file).ok


def test_only_cards_and_kecamatan_delivery_get_a_print_job() -> None:
    def snapshot(output: str, card: bool, **rest: str) -> dict:
        return {"output_document": output, "output": {"document": output, "card": card}, **rest}

    # Which output is a card comes with the snapshot (the catalogue's flag), not a list here.
    assert print_jobs.needs_job(snapshot("KIA", True))
    assert print_jobs.needs_job(snapshot("KTP_EL", True, delivery="DOWNLOAD"))
    assert print_jobs.needs_job(snapshot("KK", False, delivery="KECAMATAN"))
    assert not print_jobs.needs_job(snapshot("KK", False, delivery="DOWNLOAD"))
    assert not print_jobs.needs_job(snapshot("AKTA_LAHIR", False))
