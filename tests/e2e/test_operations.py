"""Every process answers /health and /metrics with the figures ops relies on."""

from __future__ import annotations

import pytest
import requests

from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", ["gateway", "intake", "verification", "printing",
                                     "notification"])
def test_health_and_metrics(system: System, service: str) -> None:
    process = system.processes[service]
    health = requests.get(f"{process.url}/health", timeout=10).json()
    assert health["status"] == "ok" and set(health["checks"].values()) == {"ok"}
    # The health check above ran through an entrypoint, so its duration is there.
    metrics = requests.get(process.metrics_url, timeout=10).text
    kind = "ApiEntrypoint" if service == "gateway" else "HttpRequestHandler"
    assert f'silasidakep_entrypoint_duration_seconds_count{{entrypoint="health",kind=' \
           f'"{kind}",service="{service}"}}' in metrics
    if service != "gateway":
        assert f'silasidakep_outbox_backlog{{service="{service}"}}' in metrics


def test_the_gateway_serves_metrics_only_on_its_internal_port(system: System) -> None:
    gateway = system.processes["gateway"]
    public = requests.get(f"{gateway.url}/metrics", timeout=10)
    assert public.status_code == 404
    assert public.json()["error"]["code"] == "NOT_FOUND"
    internal = requests.get(gateway.metrics_url, timeout=10)
    assert internal.status_code == 200
    assert "silasidakep_entrypoint_duration_seconds" in internal.text
