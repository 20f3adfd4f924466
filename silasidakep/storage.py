"""Object storage (MinIO in production, any S3-compatible server in development and tests).

An outage (the server unreachable, a connection cut, a 5xx) is raised as ServiceUnavailable
``STORAGE_UNAVAILABLE`` with a ``retry_after``, so the gateway answers 503 and a citizen is told
to try again; a refusal of the request itself (a 4xx such as NoSuchKey) stays an S3Error.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError
from nameko.extensions import DependencyProvider
from urllib3.exceptions import HTTPError as TransportError

from silasidakep.config import Settings, load_settings
from silasidakep.errors import ServiceUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = ("Penyimpanan berkas sedang mengalami gangguan. "
                       "Silakan coba lagi dalam beberapa saat.")
# minio's own client waits 5 minutes for a connection and retries five times: a storage outage
# would hold a citizen's request for minutes before it could be told to come back.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60
_FAILURES = (S3Error, ServerError, InvalidResponseError, TransportError, OSError)


def storage_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(UNAVAILABLE_MESSAGE, fields={"retry_after": RETRY_AFTER_SECONDS},
                              code="STORAGE_UNAVAILABLE")


def is_outage(exc: BaseException) -> bool:
    """Storage failed as a server (unreachable, cut off, 5xx), not the request (a 4xx)."""
    if isinstance(exc, S3Error):
        response = getattr(exc, "response", None)
        return getattr(response, "status", 0) >= 500
    if isinstance(exc, ServerError):
        return exc.status_code >= 500
    if isinstance(exc, InvalidResponseError):  # a non-XML answer: a proxy's error page
        return getattr(exc, "_code", 0) >= 500
    return isinstance(exc, TransportError | OSError)


@contextmanager
def _outage_as_unavailable(action: str) -> Iterator[None]:
    try:
        yield
    except _FAILURES as exc:
        if not is_outage(exc):
            raise
        log.warning("object storage unavailable during %s: %s", action, type(exc).__name__)
        raise storage_unavailable() from exc


def _http_client() -> urllib3.PoolManager:
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS),
        maxsize=10, cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=3, backoff_factor=0.2,
                              status_forcelist=[500, 502, 503, 504]),
    )


class ObjectStore:
    def __init__(self, settings: Settings) -> None:
        endpoint = urlparse(settings.s3_endpoint)
        self.client = Minio(
            endpoint.netloc,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=endpoint.scheme == "https",
            region=settings.s3_region,
            http_client=_http_client(),
        )
        self._ready_buckets: set[str] = set()

    def ensure_bucket(self, bucket: str) -> None:
        if bucket in self._ready_buckets:
            return
        with _outage_as_unavailable("ensure_bucket"):
            try:
                if not self.client.bucket_exists(bucket):
                    self.client.make_bucket(bucket)
            except S3Error as exc:
                # Another process created it between the check and the call.
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._ready_buckets.add(bucket)

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self.ensure_bucket(bucket)
        with _outage_as_unavailable("put"):
            try:
                self._put(bucket, key, data, content_type)
            except S3Error as exc:
                if exc.code != "NoSuchBucket":
                    raise
                # The bucket went away since we made it (storage came back on a fresh volume):
                # make it again, once.
                self._ready_buckets.discard(bucket)
                self.ensure_bucket(bucket)
                self._put(bucket, key, data, content_type)

    def _put(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            bucket, key, io.BytesIO(data), length=len(data), content_type=content_type
        )

    def get(self, bucket: str, key: str) -> bytes:
        with _outage_as_unavailable("get"):
            response = self.client.get_object(bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def delete(self, bucket: str, key: str) -> None:
        with _outage_as_unavailable("delete"):
            self.client.remove_object(bucket, key)

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Keys of the objects under `prefix`."""
        with _outage_as_unavailable("list"):
            objects = self.client.list_objects(bucket, prefix=prefix, recursive=True)
            return [o.object_name for o in objects]

    def ping(self) -> None:
        with _outage_as_unavailable("ping"):
            self.client.list_buckets()


class Storage(DependencyProvider):
    def setup(self) -> None:
        self.store = ObjectStore(load_settings())

    def get_dependency(self, worker_ctx: Any) -> ObjectStore:
        return self.store
