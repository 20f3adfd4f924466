"""PAdES signing of issued documents (TTE) and offline validation of the result.

No network access: no OCSP/CRL fetching and no timestamp authority. The signature is a
PAdES B-B signature; long-term validation material can be added later by another step.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from cryptography.hazmat.primitives import serialization
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

MD_ALGORITHM = "sha256"

if TYPE_CHECKING:
    from eventlet.semaphore import Semaphore

T = TypeVar("T")


class SignerLoadError(RuntimeError):
    """The key or certificate files could not be loaded (pyHanko only logs the cause)."""


class PdfSigner:
    """Signs PDFs with one key/certificate pair.

    Build it once and share it (files are read and checked once). `sign` keeps all
    per-document state (writer, buffers, pyHanko signing session) local, and the loaded
    `SimpleSigner` is only read while signing, so one instance can serve concurrent threads or
    green threads.
    """

    def __init__(
        self,
        key_file: Path,
        cert_file: Path,
        ca_file: Path,
        key_passphrase: bytes | None = None,
    ) -> None:
        signer = signers.SimpleSigner.load(
            key_file=str(key_file),
            cert_file=str(cert_file),
            ca_chain_files=(str(ca_file),),
            key_passphrase=key_passphrase,
        )
        if signer is None:
            raise SignerLoadError(f"cannot load signing key {key_file} / certificate {cert_file}")
        if not _key_matches_cert(signer):
            # Otherwise every document would get a signature that no validator accepts.
            raise SignerLoadError(f"signing key {key_file} does not belong to {cert_file}")
        self._signer = signer

    @property
    def signer_common_name(self) -> str:
        return _common_name(self._signer.signing_cert)

    def sign(self, pdf_bytes: bytes, *, reason: str, location: str) -> bytes:
        """Return `pdf_bytes` with a PAdES signature appended as an incremental update."""
        return _off_green_hub(self._sign, pdf_bytes, reason, location)

    def _sign(self, pdf_bytes: bytes, reason: str, location: str) -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
        output = signers.sign_pdf(writer, self._metadata(reason, location), signer=self._signer)
        return output.getvalue()

    @staticmethod
    def _metadata(reason: str, location: str) -> signers.PdfSignatureMetadata:
        return signers.PdfSignatureMetadata(
            field_name="TTE",
            reason=reason,
            location=location,
            md_algorithm=MD_ALGORITHM,
            subfilter=fields.SigSeedSubFilter.PADES,
            # Embedding validation info would fetch OCSP/CRLs; the services run without network.
            embed_validation_info=False,
        )


@dataclass(frozen=True)
class SignatureCheck:
    """Outcome of validating the last signature of a PDF."""

    intact: bool  # the signed bytes hash to the digest in the signature
    valid: bool  # the signature value verifies against the signer's public key
    trusted: bool  # the signer's certificate chains up to the given CA
    signer_common_name: str
    covers_whole_document: bool  # nothing was appended after signing
    error: str = ""  # set when the file could not be read as a signed PDF at all

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_document


def validate_signed_pdf(pdf_bytes: bytes, ca_file: Path) -> SignatureCheck:
    """Validate the last signature in `pdf_bytes` against `ca_file` as the only trust root.

    Never fetches revocation info. Unreadable or unsigned input yields a failed check with
    `error` set instead of an exception, so callers (tests, ops checks) handle one result type.
    """
    return _off_green_hub(_validate, pdf_bytes, ca_file)


def _validate(pdf_bytes: bytes, ca_file: Path) -> SignatureCheck:
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes))
        signatures = reader.embedded_signatures
        if not signatures:
            return _failed("no signature found")
        status = validate_pdf_signature(signatures[-1], _validation_context(ca_file))
    # pyHanko's structural/validation errors are all PdfError or ValueError subclasses.
    except (PdfError, ValueError) as exc:
        return _failed(f"{type(exc).__name__}: {exc}")
    return SignatureCheck(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        signer_common_name=_common_name(status.signing_cert),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    )


def _off_green_hub(fn: Callable[..., T], *args: object) -> T:
    """Call a pyHanko entry point safely when eventlet has monkey-patched the process (nameko).

    pyHanko wraps its async core in asyncio.run(). Under eventlet that loop's select() yields to
    other green threads of the same OS thread, and a second asyncio.run() there fails with
    "cannot be called from a running event loop". So green callers take turns (a green
    semaphore), and the work runs in a native tpool thread to keep the CPU-bound signing off the
    hub. The semaphore is still needed with tpool: tpool.execute() runs the call inline in the
    hub thread while any thread holds the import lock.
    """
    # Look eventlet up instead of importing it: a process that never imported it cannot be
    # monkey-patched, and importing it prints a deprecation warning.
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is None or not patcher.is_monkey_patched("thread"):
        return fn(*args)
    from eventlet import tpool

    with _green_turns():
        return tpool.execute(fn, *args)


@cache
def _green_turns() -> Semaphore:
    from eventlet.semaphore import Semaphore

    return Semaphore(1)


def _key_matches_cert(signer: signers.SimpleSigner) -> bool:
    private_key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public_der == signer.signing_cert.public_key.dump()


def _validation_context(ca_file: Path) -> ValidationContext:
    # A fresh context per call: contexts cache path-building state and are not meant to be shared.
    ca_cert = load_cert_from_pemder(str(ca_file))
    return ValidationContext(trust_roots=[ca_cert], allow_fetching=False)


def _failed(error: str) -> SignatureCheck:
    return SignatureCheck(
        intact=False,
        valid=False,
        trusted=False,
        signer_common_name="",
        covers_whole_document=False,
        error=error,
    )


def _common_name(cert) -> str:  # asn1crypto x509.Certificate
    return cert.subject.native.get("common_name", "")
