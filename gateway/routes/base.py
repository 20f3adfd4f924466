"""What every route module shares: the one set of dependencies (RPC proxies with deadlines,
object storage, queue metrics), settings, and small request helpers.

Each area's routes are a mixin over ``GatewayBase``; ``gateway.service.GatewayService`` composes
them into one nameko service, so dependencies are declared once here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from gateway.http import api, client_address, trust_proxy_headers
from silasidakep.config import load_settings
from silasidakep.errors import NotFound, ValidationFailed
from silasidakep.idempotency import request_id_for_key
from silasidakep.ops import InternalMetricsPort, OpsEndpoints, check_broker
from silasidakep.queue_metrics import QueueMetrics
from silasidakep.rpc import TimedRpcProxy
from silasidakep.scan_crypto import ScanKeys
from silasidakep.storage import Storage

# \Z, not $: "$" also matches before a trailing newline, and "KK\n" must not reach S3.
DOC_TYPE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,39}\Z")


def scan_key(application_id: str, doc_type: str) -> str:
    """Where a scan goes; checked first so junk never reaches object storage."""
    try:
        application_id = str(uuid.UUID(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None
    if not DOC_TYPE_PATTERN.match(doc_type):
        raise ValidationFailed(
            fields={"doc_type": ["Jenis dokumen tidak dikenal."]}, code="UNKNOWN_DOCUMENT_TYPE"
        )
    return f"applications/{application_id}/{doc_type}/{uuid.uuid4()}"


class GatewayBase(OpsEndpoints):
    intake = TimedRpcProxy("intake")
    verification = TimedRpcProxy("verification")
    printing = TimedRpcProxy("printing")
    notification = TimedRpcProxy("notification")
    storage = Storage()
    scan_keys = ScanKeys()  # SCAN_KEYS: scans are encrypted at rest (silasidakep.scan_crypto)
    queue_metrics = QueueMetrics()  # every pipeline queue's depth and oldest message (on scrape)
    # The public port serves the API and pages only; Prometheus scrapes METRICS_ADDRESS.
    metrics_port = InternalMetricsPort()
    metrics = None  # no /metrics entrypoint on the public web server

    @api("GET", "/health")
    def health(self, request: Request) -> Response:
        return super().health(request)

    def __init__(self) -> None:
        self.settings = load_settings()
        self.trust_proxy = trust_proxy_headers()

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
            "object_storage": self.storage.ping,
        }

    def _client(self, request: Request) -> dict[str, str | None]:
        """Who calls, for verification's login limits and access log (TRUST_PROXY_HEADERS)."""
        return {"ip": client_address(request, self.trust_proxy)}

    def _keyed(self, proxy: Any, request: Request, scope: str) -> Any:
        """``proxy`` under the client's ``Idempotency-Key`` for ``scope`` (a create route): a
        retry with the same key and body answers the first result instead of acting again."""
        return proxy.keyed(request_id_for_key(scope, request.headers.get("Idempotency-Key")))

    def _device(self, request: Request) -> dict[str, str | None]:
        """The caller and its browser, for a citizen's list of signed-in devices."""
        return {**self._client(request),
                "user_agent": (request.headers.get("User-Agent") or "")[:200] or None}

    def _stored_pdf(self, object_key: str, filename: str, disposition: str = "inline") -> Response:
        """A signed document, draft or Suket from object storage; never cached on the way."""
        pdf = self.storage.get(self.settings.documents_bucket, object_key)
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "no-store",
        })
