"""Alembic wiring shared by the services: one migration history per service, in its own schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text

from silasidakep.config import load_settings
from silasidakep.db import sqlalchemy_url

SERVICES_WITH_DATA = ("intake", "verification", "printing", "notification")
ROOT = Path(__file__).resolve().parent.parent


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade_all(database_url: str | None = None) -> None:
    url = database_url or load_settings().database_url
    for service in SERVICES_WITH_DATA:
        command.upgrade(alembic_config(service, url), "head")


def make_revision(service: str, message: str, database_url: str | None = None) -> None:
    url = database_url or load_settings().database_url
    command.revision(alembic_config(service, url), message=message, autogenerate=True)


def run_env(metadata: MetaData) -> None:
    """Body of each service's ``migrations/env.py`` (online mode only)."""
    schema = metadata.schema
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()

