from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from services.printing.documents.content import DocumentContent
from services.printing.documents.devca import SIGNER_COMMON_NAME, SigningFiles, ensure_dev_pki
from services.printing.documents.pades import (
    PdfSigner,
    SignerLoadError,
    validate_signed_pdf,
)
from services.printing.documents.render import render_document

from .samples import make_kk

REASON = "Penerbitan Kartu Keluarga"
LOCATION = "Sumedang"


@pytest.fixture(scope="module")
def signed_kk(pdf_signer: PdfSigner) -> bytes:
    return pdf_signer.sign(render_document(make_kk()), reason=REASON, location=LOCATION)


def test_signed_kk_validates(signed_kk: bytes, dev_pki: SigningFiles) -> None:
    check = validate_signed_pdf(signed_kk, dev_pki.ca_file)

    assert check.intact and check.valid and check.trusted
    assert check.covers_whole_document
    assert check.signer_common_name == SIGNER_COMMON_NAME
    assert check.ok and check.error == ""


def test_signature_is_pades(signed_kk: bytes) -> None:
    assert b"/ETSI.CAdES.detached" in signed_kk


def test_tampering_is_detected(signed_kk: bytes, dev_pki: SigningFiles) -> None:
    tampered = bytearray(signed_kk)
    # Flip bytes inside the first content stream, well within the signed byte range.
    start = signed_kk.index(b"stream\n") + 20
    for i in range(start, start + 8):
        tampered[i] ^= 0xFF

    check = validate_signed_pdf(bytes(tampered), dev_pki.ca_file)

    assert not check.ok
    assert not check.intact or check.error


def test_appended_data_is_reported(signed_kk: bytes, dev_pki: SigningFiles) -> None:
    check = validate_signed_pdf(signed_kk + b"\n% appended after signing\n", dev_pki.ca_file)

    assert not check.covers_whole_document
    assert not check.ok


def test_foreign_ca_is_not_trusted(signed_kk: bytes, tmp_path: Path) -> None:
    other = ensure_dev_pki(tmp_path / "other")

    check = validate_signed_pdf(signed_kk, other.ca_file)

    assert check.intact and check.valid
    assert not check.trusted


def test_unsigned_pdf_fails_without_raising(kk: DocumentContent, dev_pki: SigningFiles) -> None:
    check = validate_signed_pdf(render_document(kk), dev_pki.ca_file)

    assert not check.ok
    assert check.error == "no signature found"


def test_garbage_fails_without_raising(dev_pki: SigningFiles) -> None:
    check = validate_signed_pdf(b"not a pdf at all", dev_pki.ca_file)

    assert not check.ok
    assert check.error


def test_concurrent_signing(pdf_signer: PdfSigner, dev_pki: SigningFiles) -> None:
    def render_and_sign(serial: int) -> bytes:
        pdf = render_document(make_kk(serial=serial))
        return pdf_signer.sign(pdf, reason=REASON, location=LOCATION)

    with ThreadPoolExecutor(max_workers=8) as pool:
        signed = list(pool.map(render_and_sign, range(1, 9)))

    checks = [validate_signed_pdf(pdf, dev_pki.ca_file) for pdf in signed]
    assert all(check.ok for check in checks), checks
    assert len(set(signed)) == 8


def test_missing_key_file_raises(dev_pki: SigningFiles, tmp_path: Path) -> None:
    with pytest.raises(SignerLoadError):
        PdfSigner(tmp_path / "missing.key.pem", dev_pki.cert_file, dev_pki.ca_file)


def test_key_of_another_certificate_is_rejected(dev_pki: SigningFiles, tmp_path: Path) -> None:
    other = ensure_dev_pki(tmp_path / "other")

    with pytest.raises(SignerLoadError, match="does not belong"):
        PdfSigner(other.key_file, dev_pki.cert_file, dev_pki.ca_file)


def test_encrypted_key_with_passphrase(dev_pki: SigningFiles, tmp_path: Path) -> None:
    key = serialization.load_pem_private_key(dev_pki.key_file.read_bytes(), password=None)
    encrypted = tmp_path / "signer.enc.key.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"rahasia"),
        )
    )
    signer = PdfSigner(encrypted, dev_pki.cert_file, dev_pki.ca_file, b"rahasia")

    signed = signer.sign(render_document(make_kk()), reason=REASON, location=LOCATION)

    assert validate_signed_pdf(signed, dev_pki.ca_file).ok


GREEN_THREADS_SCRIPT = """
import eventlet
eventlet.monkey_patch()
import sys
from pathlib import Path
from services.printing.documents.devca import SigningFiles
from services.printing.documents.render import render_document
from services.printing.documents.pades import PdfSigner, validate_signed_pdf
from tests.unit.printing.samples import make_kk

files = SigningFiles.in_directory(Path(sys.argv[1]))
signer = PdfSigner(files.key_file, files.cert_file, files.ca_file)

def job(serial):
    pdf = signer.sign(render_document(make_kk(serial=serial)), reason="r", location="Sumedang")
    return validate_signed_pdf(pdf, files.ca_file).ok

print(all(eventlet.GreenPool(8).imap(job, range(1, 9))))
"""


def test_concurrent_signing_in_green_threads(dev_pki: SigningFiles) -> None:
    # In a subprocess: monkey-patching would leak into every other test of this session.
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", GREEN_THREADS_SCRIPT, str(dev_pki.ca_file.parent)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
