"""Object storage (MinIO in production, any S3-compatible server in development and tests)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlparse

from minio import Minio
from minio.error import S3Error
from nameko.extensions import DependencyProvider

from silasidakep.config import Settings, load_settings


class ObjectStore:
    def __init__(self, settings: Settings) -> None:
        endpoint = urlparse(settings.s3_endpoint)
        self.client = Minio(
            endpoint.netloc,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=endpoint.scheme == "https",
            region=settings.s3_region,
        )
        self._ready_buckets: set[str] = set()

    def ensure_bucket(self, bucket: str) -> None:
        if bucket in self._ready_buckets:
            return
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
        self.client.put_object(
            bucket, key, io.BytesIO(data), length=len(data), content_type=content_type
        )

    def get(self, bucket: str, key: str) -> bytes:
        response = self.client.get_object(bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def delete(self, bucket: str, key: str) -> None:
        self.client.remove_object(bucket, key)

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Keys of the objects under `prefix`."""
        objects = self.client.list_objects(bucket, prefix=prefix, recursive=True)
        return [o.object_name for o in objects]

    def ping(self) -> None:
        self.client.list_buckets()


class Storage(DependencyProvider):
    def setup(self) -> None:
        self.store = ObjectStore(load_settings())

    def get_dependency(self, worker_ctx: Any) -> ObjectStore:
        return self.store
