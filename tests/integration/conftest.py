from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from services.intake.models import metadata as intake_metadata
from services.printing.models import metadata as printing_metadata
from silasidakep.db import Outbox, make_engine
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
