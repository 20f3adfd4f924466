"""ObjectStore through the real minio SDK against an S3-compatible server on loopback."""

from __future__ import annotations

import dataclasses

import pytest
from minio.error import S3Error

from silasidakep.config import load_settings
from silasidakep.storage import ObjectStore


def test_put_get_delete_round_trip(s3_endpoint: str) -> None:
    development = load_settings({"SILASIDAKEP_ENV": "development"})
    settings = dataclasses.replace(development, s3_endpoint=s3_endpoint)
    store = ObjectStore(settings)
    store.put("it-bucket", "a/b.pdf", b"%PDF-1.7 data", "application/pdf")
    store.put("it-bucket", "a/b.pdf", b"%PDF-1.7 newer", "application/pdf")
    assert store.get("it-bucket", "a/b.pdf") == b"%PDF-1.7 newer"
    store.ping()
    store.delete("it-bucket", "a/b.pdf")
    with pytest.raises(S3Error):
        store.get("it-bucket", "a/b.pdf")
