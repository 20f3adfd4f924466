"""``/health`` and ``/metrics`` for every service, as a mixin of nameko HTTP entrypoints, and
a metrics-only listener for a process whose HTTP port is public (the gateway)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable

import eventlet
from eventlet import wsgi
from kombu import Connection
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from nameko.web.server import parse_address
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, make_wsgi_app
from werkzeug.wrappers import Request, Response

from silasidakep.metrics import EntrypointMetrics
from silasidakep.rpc import rpc


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


class ProcessPriority(DependencyProvider):
    """Lowers this process's CPU priority to its config's ``PROCESS_NICE`` at start-up.

    On one server the back office (verification's queue, printing, notification) runs niced so
    a drain of thousands of applications cannot starve the request path (gateway, intake): the
    backlog takes the CPU the citizens leave. In Kubernetes each stage has its own pods and
    resources instead; the value only ever lowers the priority."""

    def setup(self) -> None:
        wanted = int(self.container.config.get("PROCESS_NICE", 0) or 0)
        current = os.nice(0)
        if wanted > current:
            os.nice(wanted - current)

    def get_dependency(self, worker_ctx):  # nothing for workers
        return None


class OpsEndpoints:
    """Mixin: subclasses provide ``health_checks()`` naming what must be reachable."""

    entrypoint_metrics = EntrypointMetrics()
    process_priority = ProcessPriority()
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


class InternalMetricsPort(DependencyProvider):
    """Serves ``/metrics`` on ``METRICS_ADDRESS`` (an internal port Prometheus scrapes), so a
    public HTTP port never exposes the series. Started and stopped with the container."""

    def __init__(self, default_address: str = "127.0.0.1:9108") -> None:
        self.default_address = default_address
        self._sock = None
        self._thread = None

    def start(self) -> None:
        address = parse_address(self.container.config.get("METRICS_ADDRESS", self.default_address))
        self._sock = eventlet.listen(address)
        server_log = logging.getLogger(__name__)
        self._thread = self.container.spawn_managed_thread(
            lambda: wsgi.server(self._sock, make_wsgi_app(), log=server_log, log_output=False)
        )

    def stop(self) -> None:
        if self._thread is not None:  # first the accept loop, then its socket (as WebServer)
            self._thread.kill()
            self._sock.close()
            self._thread = None

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx):  # nothing for workers; the port is the point
        return None
