from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import infra


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
