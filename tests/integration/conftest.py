from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from services.intake.models import metadata as intake_metadata
from services.printing import issuance
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.signing import PdfSigner
from services.printing.models import metadata as printing_metadata
from silasidakep.config import load_settings
from silasidakep.db import Outbox, make_engine
from silasidakep.storage import ObjectStore
from tests.support import infra

INTAKE_OUTBOX = intake_metadata.tables["intake.outbox"]
PRINTING_OUTBOX = printing_metadata.tables["printing.outbox"]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name, url = infra.create_database("silasidakep_it")
    infra.run_cli(["migrate"], {**infra.base_env(), "DATABASE_URL": url})
    try:
        yield url
    finally:
        infra.drop_database(name)


@pytest.fixture(scope="session")
def amqp() -> Iterator[tuple[str, str]]:
    vhost, uri = infra.create_vhost("silasidakep-it")
    try:
        yield vhost, uri
    finally:
        infra.delete_vhost(vhost)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = infra.S3Server.start(Path(tmp_path_factory.mktemp("s3")))
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def intake_sessions(database_url: str) -> Iterator[sessionmaker]:
    """Sessions on intake's schema; the shared outbox is emptied afterwards."""
    engine = make_engine(database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():
        session.execute(INTAKE_OUTBOX.delete())
    engine.dispose()


@pytest.fixture
def intake_outbox() -> Outbox:
    return Outbox(INTAKE_OUTBOX, producer="intake")


@pytest.fixture
def printing_sessions(database_url: str) -> Iterator[sessionmaker]:
    """Sessions on printing's schema; the shared outbox is emptied afterwards."""
    engine = make_engine(database_url, pool_size=20)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():
        session.execute(PRINTING_OUTBOX.delete())
    engine.dispose()


@pytest.fixture
def printing_outbox() -> Outbox:
    return Outbox(PRINTING_OUTBOX, producer="printing")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SigningFiles:
    return ensure_dev_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="session")
def make_issuer(s3_endpoint: str, pki: SigningFiles) -> Callable[..., issuance.Issuer]:
    """Printing's issuer with the development key, storing in ``bucket`` on the loopback S3."""
    settings = dataclasses.replace(load_settings({}), s3_endpoint=s3_endpoint)

    def make(bucket: str, **options: Any) -> issuance.Issuer:
        return issuance.Issuer(
            signer=PdfSigner(pki.key_file, pki.cert_file, pki.ca_file), signer_name="Uji",
            signer_title="Kepala Dinas", public_base_url="https://silasidakep.test",
            store=ObjectStore(settings), bucket=bucket, **options,
        )

    return make
