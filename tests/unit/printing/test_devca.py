from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from services.printing.documents import devca
from services.printing.documents.devca import SigningFiles, ensure_dev_pki


def _contents(files: SigningFiles) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (files.ca_file, files.key_file, files.cert_file)}


def test_creates_the_three_pem_files(tmp_path: Path) -> None:
    files = ensure_dev_pki(tmp_path / "pki")

    assert files == SigningFiles.in_directory(tmp_path / "pki")
    assert files.all_exist()
    assert files.key_file.stat().st_mode & 0o077 == 0  # private key not world/group readable


def test_is_idempotent(tmp_path: Path) -> None:
    first = _contents(ensure_dev_pki(tmp_path))
    second = _contents(ensure_dev_pki(tmp_path))

    assert first == second


def test_incomplete_set_is_regenerated_as_a_whole(tmp_path: Path) -> None:
    files = ensure_dev_pki(tmp_path)
    before = _contents(files)
    files.key_file.unlink()

    ensure_dev_pki(tmp_path)

    after = _contents(files)
    assert after.keys() == before.keys()
    assert all(after[name] != before[name] for name in before)


def test_certificates_are_labelled_and_chained(tmp_path: Path) -> None:
    files = ensure_dev_pki(tmp_path)
    ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
    signer = x509.load_pem_x509_certificate(files.cert_file.read_bytes())

    assert _cn(ca) == "Silasidakep Development Root CA"
    assert "NOT FOR PRODUCTION" in ca.subject.rfc4514_string()
    assert _cn(signer) == devca.SIGNER_COMMON_NAME
    assert signer.issuer == ca.subject
    signer.verify_directly_issued_by(ca)
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign


def test_main_prints_the_paths(tmp_path: Path, capsys) -> None:
    assert devca.main([str(tmp_path)]) == 0
    assert str(tmp_path / "signer.cert.pem") in capsys.readouterr().out


def test_main_without_directory_is_a_usage_error() -> None:
    assert devca.main([]) == 2


def _cn(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
