"""Fixtures for printing's service layer: its sessions and outbox, the development PKI and
an issuer storing on the loopback S3."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from services.printing import production
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.pades import PdfSigner
from services.printing.models import metadata
from silasidakep.config import load_settings
from silasidakep.db import Outbox, make_engine
from silasidakep.storage import ObjectStore

PRINTING_OUTBOX = metadata.tables["printing.outbox"]


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker]:
    """Sessions on printing's schema; the shared outbox is emptied afterwards."""
    engine = make_engine(database_url, pool_size=20)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():
        session.execute(PRINTING_OUTBOX.delete())
    engine.dispose()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(PRINTING_OUTBOX, producer="printing")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SigningFiles:
    return ensure_dev_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="session")
def make_issuer(s3_endpoint: str, pki: SigningFiles) -> Callable[..., production.Issuer]:
    """Printing's issuer with the development key, storing in ``bucket`` on the loopback S3."""
    development = load_settings({"SILASIDAKEP_ENV": "development"})
    settings = dataclasses.replace(development, s3_endpoint=s3_endpoint)

    def make(bucket: str, **options: Any) -> production.Issuer:
        return production.Issuer(
            signer=PdfSigner(pki.key_file, pki.cert_file, pki.ca_file), signer_name="Uji",
            signer_title="Kepala Dinas", public_base_url="https://silasidakep.test",
            objects=ObjectStore(settings), bucket=bucket, **options,
        )

    return make
