"""PAdES signing of issued documents (TTE) and offline validation of the result.

No network access: no OCSP/CRL fetching and no timestamp authority. The signature is a
PAdES B-B signature; long-term validation material can be added later by another step.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

MD_ALGORITHM = "sha256"

if TYPE_CHECKING:
    from eventlet.semaphore import Semaphore

T = TypeVar("T")


class SignerLoadError(RuntimeError):
    """The key or certificate files could not be loaded (pyHanko only logs the cause)."""


SIGNING_BACKENDS = ("file", "pkcs11")


@dataclass(frozen=True)
class Pkcs11Config:
    """Where the signing key lives on a PKCS#11 token (an HSM, or SoftHSM in tests)."""

    module: Path  # the vendor's PKCS#11 library (.so)
    token_label: str
    key_label: str
    cert_label: str
    pin: str = field(repr=False)


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
        self._signer: signers.Signer = signer
        # A loaded software key can be used by many threads at once.
        self._lock: AbstractContextManager[object] = nullcontext()
        self._session = None
        self._reserved: int | None = None

    def close(self) -> None:
        """Close the PKCS#11 session (logging out of the token); no-op for file keys."""
        if self._session is not None:
            self._session.close()
            self._session = None

    @classmethod
    def from_pkcs11(cls, config: Pkcs11Config, ca_file: Path) -> PdfSigner:
        """A signer whose private key never leaves the PKCS#11 token.

        Needs the optional ``python-pkcs11`` package (imported here, so the file backend works
        without it). Opens one session for the life of the process and makes one test signature,
        so a missing library, wrong PIN, wrong labels or a key that does not belong to the
        certificate stop the service at start-up rather than failing print jobs.
        """
        try:
            from pyhanko.sign import pkcs11 as hanko_pkcs11
        except ImportError as exc:  # pyHanko imports python-pkcs11 at module level
            raise SignerLoadError(
                "SIGNING_BACKEND=pkcs11 needs the python-pkcs11 package, which is not "
                f"installed ({exc})"
            ) from exc
        if not config.module.is_file():
            raise SignerLoadError(f"PKCS11_MODULE {config.module} does not exist")
        session = None
        try:
            session = hanko_pkcs11.open_pkcs11_session(
                str(config.module),
                token_criteria=hanko_pkcs11.TokenCriteria(label=config.token_label),
                user_pin=config.pin,
            )
            signer = hanko_pkcs11.PKCS11Signer(
                session,
                key_label=config.key_label,
                cert_label=config.cert_label,
                ca_chain=[load_cert_from_pemder(str(ca_file))],
            )
            # Hash in software and let the token sign the digest (CKM_ECDSA) for EC keys: many
            # tokens, SoftHSM among them, lack the combined CKM_ECDSA_SHA256 mechanism.
            signer.use_raw_mechanism = signer.signing_cert.public_key.algorithm == "ec"
            _check_signing_key(signer)
        except Exception as exc:  # python-pkcs11 raises many unrelated exception types
            if session is not None:
                session.close()
            if isinstance(exc, SignerLoadError):
                raise
            raise SignerLoadError(
                f"cannot use PKCS#11 token {config.token_label!r} via {config.module} "
                f"(key {config.key_label!r}, certificate {config.cert_label!r}): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        self = cls.__new__(cls)
        self._signer = signer
        self._session = session
        # One token session is shared: PKCS#11 sessions must not run two operations at once.
        self._lock = threading.Lock()
        self._reserved = None
        return self

    @property
    def signer_common_name(self) -> str:
        return _common_name(self._signer.signing_cert)

    def sign(self, pdf_bytes: bytes, *, reason: str, location: str) -> bytes:
        """Return `pdf_bytes` with a PAdES signature appended as an incremental update."""
        with self._lock:
            return _off_green_hub(self._sign, pdf_bytes, reason, location)

    def _sign(self, pdf_bytes: bytes, reason: str, location: str) -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
        output = signers.sign_pdf(writer, self._metadata(reason, location), signer=self._signer,
                                  bytes_reserved=self._bytes_reserved())
        return output.getvalue()

    def _bytes_reserved(self) -> int:
        """Room for the signature in the PDF, estimated once per signer as pyHanko would for
        every document (a dry-run CMS with the same certificates, plus half again): without a
        timestamp authority the signature's size does not vary, and the per-document dry run
        cost a third of signing (issue 17's profile)."""
        if self._reserved is None:
            dry_run = asyncio.run(self._signer.async_sign(
                hashes.Hash(hashes.SHA256()).finalize(), MD_ALGORITHM, use_pades=True,
                dry_run=True, signed_attr_settings=PdfCMSSignedAttributes(
                    signing_time=datetime.now(UTC)
                ),
            ))
            as_hex = len(dry_run.dump()) * 2  # embedded as a hexadecimal string
            self._reserved = as_hex + 2 * (as_hex // 4)
        return self._reserved

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


PROBE = b"Silasidakep signing key check"


def _check_signing_key(signer: signers.Signer) -> None:
    """Sign a probe with the key and verify it with the certificate's public key."""
    signature = _off_green_hub(asyncio.run, signer.async_sign_raw(PROBE, MD_ALGORITHM))
    public_key = serialization.load_der_public_key(signer.signing_cert.public_key.dump())
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, PROBE, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, PROBE, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SignerLoadError(f"unsupported signing key type {type(public_key).__name__}")
    except InvalidSignature:
        raise SignerLoadError(
            "the signing key does not belong to the signing certificate"
        ) from None


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
