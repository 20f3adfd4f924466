"""12-factor settings shared by every process.

The variable names are a public contract (see README). Local defaults exist only for values that
are not secrets, or for development-only secrets when ``SILASIDAKEP_ENV`` is ``development``;
in any other environment a missing secret stops the process at start-up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class MissingSetting(RuntimeError):
    pass


def _is_development(env: Mapping[str, str]) -> bool:
    # Fail closed: only an explicit ``development`` (the local run and the tests set it) allows
    # development secrets and switches; unset means production.
    return env.get("SILASIDAKEP_ENV", "production") == "development"


def is_development(env: Mapping[str, str] | None = None) -> bool:
    return _is_development(os.environ if env is None else env)


def secret(env: Mapping[str, str], name: str, dev_default: str) -> str:
    value = env.get(name)
    if value:
        return value
    if _is_development(env):
        return dev_default
    raise MissingSetting(f"{name} must be set outside development")


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    database_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    s3_secure: bool
    s3_region: str
    scans_bucket: str
    documents_bucket: str
    smtp_host: str
    smtp_port: int
    mail_from: str
    gateway_address: str
    public_base_url: str
    jwt_secret: str
    pin_hmac_key: str
    # Keys the digests of citizens' one-time codes and of what their limits count.
    code_hmac_key: str


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    gateway_address = env.get("GATEWAY_ADDRESS", "127.0.0.1:8000")
    return Settings(
        amqp_uri=env.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        database_url=env.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/silasidakep"),
        s3_endpoint=env.get("S3_ENDPOINT", "http://127.0.0.1:9000"),
        s3_access_key=secret(env, "S3_ACCESS_KEY", "silasidakep-dev"),
        s3_secret_key=secret(env, "S3_SECRET_KEY", "silasidakep-dev-secret"),
        s3_secure=env.get("S3_ENDPOINT", "http://").startswith("https://"),
        s3_region=env.get("S3_REGION", "us-east-1"),
        scans_bucket=env.get("S3_BUCKET_SCANS", "silasidakep-scans"),
        documents_bucket=env.get("S3_BUCKET_DOCUMENTS", "silasidakep-documents"),
        smtp_host=env.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=int(env.get("SMTP_PORT", "1025")),
        mail_from=env.get("MAIL_FROM", "Disdukcapil Sumedang <no-reply@silasidakep.localhost>"),
        gateway_address=gateway_address,
        public_base_url=env.get("PUBLIC_BASE_URL", f"http://{gateway_address}").rstrip("/"),
        jwt_secret=secret(env, "JWT_SECRET", "development-only-jwt-secret-change-me"),
        pin_hmac_key=secret(env, "PIN_HMAC_KEY", "development-only-pin-key-change-me"),
        code_hmac_key=secret(env, "CODE_HMAC_KEY", "development-only-code-key-change-me"),
    )
