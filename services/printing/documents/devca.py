"""Development PKI: a throw-away root CA and a document-signing certificate.

Production documents are signed with a BSrE-issued certificate; this module only exists so that
developers, tests and CI can sign and validate PDFs without one. Everything it creates is
labelled NOT FOR PRODUCTION.

Usage: ``python -m services.printing.documents.devca DIR``
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_COMMON_NAME = "Silasidakep Development Root CA"
# RFC 5280 caps commonName at 64 characters, too short for the full office title
# ("Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sumedang (DEV)", 71 chars), so the
# CN uses the common abbreviation and the full title goes into the `title` attribute.
SIGNER_COMMON_NAME = "Kepala Disdukcapil Kabupaten Sumedang (DEV)"
SIGNER_TITLE = "Kepala Dinas Kependudukan dan Pencatatan Sipil"
NOT_FOR_PRODUCTION = "NOT FOR PRODUCTION - development only"

CA_VALIDITY = dt.timedelta(days=3650)
SIGNER_VALIDITY = dt.timedelta(days=825)
# Backdate slightly so a freshly made certificate is valid on hosts with a lagging clock.
CLOCK_SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SigningFiles:
    """PEM files needed to sign (key, cert) and to validate (ca) documents."""

    ca_file: Path
    key_file: Path
    cert_file: Path

    @classmethod
    def in_directory(cls, directory: Path) -> SigningFiles:
        return cls(
            ca_file=directory / "ca.pem",
            key_file=directory / "signer.key.pem",
            cert_file=directory / "signer.cert.pem",
        )

    def all_exist(self) -> bool:
        return all(p.is_file() for p in (self.ca_file, self.key_file, self.cert_file))


def ensure_dev_pki(directory: Path) -> SigningFiles:
    """Return the dev signing files in `directory`, creating them only if any is missing.

    A partial set is regenerated as a whole: the CA key is never stored (nobody can mint more
    certificates from it), so a lone signer cannot be re-issued under an existing CA.
    """
    directory = Path(directory)
    files = SigningFiles.in_directory(directory)
    if files.all_exist():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(directory / ".devca.lock"):
        # Another process may have finished the job while we waited for the lock.
        if not files.all_exist():
            _create_pki(files)
    return files


@contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    # Several services start at once in dev; they must not write mismatched halves of a PKI.
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _create_pki(files: SigningFiles) -> None:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _build_ca_cert(ca_key, now)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_cert = _build_signer_cert(signer_key.public_key(), ca_key, ca_cert, now)

    # Atomic writes: a reader that skips the lock (all_exist fast path) never sees a partial PEM.
    _write_atomic(files.key_file, _private_key_pem(signer_key), mode=0o600)
    _write_atomic(files.cert_file, signer_cert.public_bytes(serialization.Encoding.PEM))
    _write_atomic(files.ca_file, ca_cert.public_bytes(serialization.Encoding.PEM))


def _ca_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Silasidakep"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOT_FOR_PRODUCTION),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ]
    )


def _signer_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Jawa Barat"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Sumedang"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kabupaten Sumedang"),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, "Dinas Kependudukan dan Pencatatan Sipil"
            ),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOT_FOR_PRODUCTION),
            x509.NameAttribute(NameOID.TITLE, SIGNER_TITLE),
            x509.NameAttribute(NameOID.COMMON_NAME, SIGNER_COMMON_NAME),
        ]
    )


def _build_ca_cert(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(_ca_name())
        .issuer_name(_ca_name())
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )


def _build_signer_cert(
    public_key: ec.EllipticCurvePublicKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    now: dt.datetime,
) -> x509.Certificate:
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_signer_name())
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + SIGNER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _key_usage(*, key_cert_sign: bool) -> x509.KeyUsage:
    # CA: certificate and CRL signing only. Signer: digitalSignature + nonRepudiation, which is
    # what PAdES validators (pyHanko's default included) expect of a document-signing cert.
    return x509.KeyUsage(
        digital_signature=not key_cert_sign,
        content_commitment=not key_cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    # Unencrypted on purpose: dev only, and the services read it without a passphrase.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m services.printing.documents.devca DIR", file=sys.stderr)
        return 2
    files = ensure_dev_pki(Path(args[0]))
    print(f"CA certificate:     {files.ca_file}")
    print(f"signer key:         {files.key_file}")
    print(f"signer certificate: {files.cert_file}")
    print(f"({NOT_FOR_PRODUCTION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
