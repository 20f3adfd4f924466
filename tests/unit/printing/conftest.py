"""Shared fixtures: one dev PKI and one signer per test session."""

from __future__ import annotations

import pytest

from services.printing import production
from services.printing.documents.content import DocumentContent
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.pades import PdfSigner

from .samples import PUBLIC_BASE_URL, SIGNER_NAME, SIGNER_TITLE, make_kk


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> SigningFiles:
    return ensure_dev_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def pdf_signer(dev_pki: SigningFiles) -> PdfSigner:
    return PdfSigner(dev_pki.key_file, dev_pki.cert_file, dev_pki.ca_file, None)


@pytest.fixture
def kk() -> DocumentContent:
    return make_kk()


@pytest.fixture(scope="session")
def issuer(pdf_signer: PdfSigner) -> production.Issuer:
    # Rendering and signing only: nothing here touches object storage.
    return production.Issuer(
        signer=pdf_signer,
        signer_name=SIGNER_NAME,
        signer_title=SIGNER_TITLE,
        public_base_url=PUBLIC_BASE_URL,
        objects=None,  # type: ignore[arg-type]
        bucket="unused",
    )
