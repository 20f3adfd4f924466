"""SIGNING_BACKEND=pkcs11 against a real software HSM (SoftHSM v2).

Needs Debian's ``softhsm2`` package (``softhsm2-util`` and ``libsofthsm2.so``) and the optional
``python-pkcs11`` package; the SoftHSM tests are skipped when either is missing. The token lives
in a temporary directory (SOFTHSM2_CONF), so nothing outside the test run is touched.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from services.printing.documents.devca import SIGNER_COMMON_NAME, SigningFiles, ensure_dev_pki
from services.printing.documents.pades import (
    PdfSigner,
    Pkcs11Config,
    SignerLoadError,
    validate_signed_pdf,
)
from services.printing.documents.render import render_document
from services.printing.service import build_signer

from .samples import make_kk

SOFTHSM_MODULES = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
)
SOFTHSM_MODULE = next((p for p in SOFTHSM_MODULES if p.is_file()), None)
HAVE_PKCS11 = importlib.util.find_spec("pkcs11") is not None

needs_softhsm = pytest.mark.skipif(
    SOFTHSM_MODULE is None or shutil.which("softhsm2-util") is None or not HAVE_PKCS11,
    reason="needs SoftHSM v2 (apt-get install softhsm2) and python-pkcs11 (pip install "
    "python-pkcs11)",
)

TOKEN = "silasidakep-test"
USER_PIN = "246810"
SO_PIN = "13579111"
KEY_LABEL = "tte-signer"
OTHER_LABEL = "other-signer"


def _import_key_and_cert(files_dir: Path, files: SigningFiles, label: str, key_id: str) -> None:
    """Put a PEM key (PKCS#8) and its certificate on the token under `label`."""
    subprocess.run(
        ["softhsm2-util", "--import", str(files.key_file), "--token", TOKEN, "--label", label,
         "--id", key_id, "--pin", USER_PIN],
        check=True, capture_output=True, env=os.environ.copy(),
    )
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
    token = pkcs11.lib(str(SOFTHSM_MODULE)).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: label,
            Attribute.ID: bytes.fromhex(key_id),
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory, dev_pki: SigningFiles) -> Iterator[Path]:
    """An initialised SoftHSM token holding the dev signer's key and certificate (and, under
    another label, a key with the certificate of a different PKI). Yields the module path."""
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\nslots.removable = false\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        # SoftHSM reads this when the library is initialised (first use in this process).
        patch.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN,
             "--pin", USER_PIN],
            check=True, capture_output=True, env=os.environ.copy(),
        )
        _import_key_and_cert(root, dev_pki, KEY_LABEL, "01")
        # The key of another PKI next to the dev signer's certificate: a mismatched pair.
        other = ensure_dev_pki(root / "other")
        mismatched = SigningFiles(dev_pki.ca_file, other.key_file, dev_pki.cert_file)
        _import_key_and_cert(root, mismatched, OTHER_LABEL, "02")
        yield SOFTHSM_MODULE


def _config(module: Path, **overrides: str) -> Pkcs11Config:
    values = {"token_label": TOKEN, "key_label": KEY_LABEL, "cert_label": KEY_LABEL,
              "pin": USER_PIN, **overrides}
    return Pkcs11Config(module=module, **values)


@needs_softhsm
def test_a_key_on_the_token_signs_documents_that_validate(
    token: Path, dev_pki: SigningFiles
) -> None:
    signer = PdfSigner.from_pkcs11(_config(token), dev_pki.ca_file)
    try:
        signed = [
            signer.sign(render_document(make_kk(serial=n)), reason="TTE", location="Sumedang")
            for n in (1, 2)
        ]
    finally:
        signer.close()  # logs out: PKCS#11 logins are per process

    for pdf in signed:
        check = validate_signed_pdf(pdf, dev_pki.ca_file)
        assert check.ok, check
        assert check.signer_common_name == SIGNER_COMMON_NAME
    assert signer.signer_common_name == SIGNER_COMMON_NAME
    assert b"/ETSI.CAdES.detached" in signed[0]


@needs_softhsm
def test_build_signer_reads_the_pkcs11_settings(token: Path, dev_pki: SigningFiles) -> None:
    signer = build_signer({
        "SIGNING_BACKEND": "pkcs11",
        "PKCS11_MODULE": str(token),
        "PKCS11_TOKEN_LABEL": TOKEN,
        "PKCS11_KEY_LABEL": KEY_LABEL,
        "PKCS11_CERT_LABEL": KEY_LABEL,
        "PKCS11_PIN": USER_PIN,
        "SIGNING_CA_FILE": str(dev_pki.ca_file),
    })

    try:
        pdf = signer.sign(render_document(make_kk()), reason="TTE", location="Sumedang")
    finally:
        signer.close()

    assert validate_signed_pdf(pdf, dev_pki.ca_file).ok


@needs_softhsm
def test_a_wrong_pin_stops_start_up(token: Path, dev_pki: SigningFiles) -> None:
    with pytest.raises(SignerLoadError, match=TOKEN):
        PdfSigner.from_pkcs11(_config(token, pin="000000"), dev_pki.ca_file)


@needs_softhsm
def test_an_unknown_key_label_stops_start_up(token: Path, dev_pki: SigningFiles) -> None:
    with pytest.raises(SignerLoadError, match="no-such-key"):
        PdfSigner.from_pkcs11(
            _config(token, key_label="no-such-key", cert_label="no-such-key"), dev_pki.ca_file
        )


@needs_softhsm
def test_a_key_that_does_not_match_its_certificate_stops_start_up(
    token: Path, dev_pki: SigningFiles
) -> None:
    with pytest.raises(SignerLoadError, match="does not belong"):
        PdfSigner.from_pkcs11(
            _config(token, key_label=OTHER_LABEL, cert_label=OTHER_LABEL), dev_pki.ca_file
        )


def test_a_missing_module_stops_start_up(tmp_path: Path, dev_pki: SigningFiles) -> None:
    with pytest.raises(SignerLoadError, match="PKCS11_MODULE"):
        PdfSigner.from_pkcs11(_config(tmp_path / "libnothing.so"), dev_pki.ca_file)


def test_a_module_that_cannot_be_opened_stops_start_up(
    tmp_path: Path, dev_pki: SigningFiles
) -> None:
    if not HAVE_PKCS11:
        pytest.skip("needs python-pkcs11")
    not_a_library = tmp_path / "libbroken.so"
    not_a_library.write_bytes(b"not a shared object")
    with pytest.raises(SignerLoadError, match="cannot use PKCS#11 token"):
        PdfSigner.from_pkcs11(_config(not_a_library), dev_pki.ca_file)


def test_without_python_pkcs11_the_error_says_what_to_install(
    tmp_path: Path, dev_pki: SigningFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pkcs11", None)  # makes `import pkcs11` fail
    monkeypatch.delitem(sys.modules, "pyhanko.sign.pkcs11", raising=False)
    monkeypatch.delattr("pyhanko.sign.pkcs11", raising=False)
    module = tmp_path / "libany.so"
    module.write_bytes(b"")
    with pytest.raises(SignerLoadError, match="python-pkcs11"):
        PdfSigner.from_pkcs11(_config(module), dev_pki.ca_file)


def test_pkcs11_settings_are_all_required(dev_pki: SigningFiles) -> None:
    with pytest.raises(RuntimeError, match="PKCS11_PIN"):
        build_signer({
            "SIGNING_BACKEND": "pkcs11",
            "PKCS11_MODULE": "/nowhere.so",
            "PKCS11_TOKEN_LABEL": TOKEN,
            "PKCS11_KEY_LABEL": KEY_LABEL,
            "PKCS11_CERT_LABEL": KEY_LABEL,
            "SIGNING_CA_FILE": str(dev_pki.ca_file),
        })


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(RuntimeError, match="SIGNING_BACKEND must be one of file, pkcs11"):
        build_signer({"SIGNING_BACKEND": "cloud"})
