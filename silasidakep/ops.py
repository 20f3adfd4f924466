"""``/health`` and ``/metrics`` for every service, as a mixin of nameko HTTP entrypoints."""

from __future__ import annotations

import json
from collections.abc import Callable

from kombu import Connection
from nameko.dependency_providers import Config
from nameko.rpc import rpc
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Request, Response

from silasidakep.metrics import EntrypointMetrics


def check_broker(amqp_uri: str) -> None:
    with Connection(amqp_uri, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1)


def run_checks(checks: dict[str, Callable[[], None]]) -> tuple[int, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # a health check reports, it never raises
            results[name] = f"error: {type(exc).__name__}"
    status = 200 if all(v == "ok" for v in results.values()) else 503
    return status, results


class OpsEndpoints:
    """Mixin: subclasses provide ``health_checks()`` naming what must be reachable."""

    entrypoint_metrics = EntrypointMetrics()
    config = Config()

    def health_checks(self) -> dict[str, Callable[[], None]]:
        raise NotImplementedError

    @http("GET", "/health")
    def health(self, request: Request) -> Response:
        status, results = run_checks(self.health_checks())
        body = {"status": "ok" if status == 200 else "degraded", "checks": results}
        return Response(json.dumps(body), status=status, mimetype="application/json")

    @http("GET", "/metrics")
    def metrics(self, request: Request) -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


class ServiceOps(OpsEndpoints):
    """Mixin for services behind the gateway: the same checks over RPC, for the status page."""

    @rpc
    def health_status(self) -> dict[str, object]:
        status, results = run_checks(self.health_checks())
        return {"up": status == 200, "checks": results}
