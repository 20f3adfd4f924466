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
    # The scrape itself runs through an entrypoint, so its duration is always there.
    requests.get(f"{process.url}/metrics", timeout=10)
    metrics = requests.get(f"{process.url}/metrics", timeout=10).text
    assert f'silasidakep_entrypoint_duration_seconds_count{{entrypoint="metrics",kind=' \
           f'"HttpRequestHandler",service="{service}"}}' in metrics
    if service != "gateway":
        assert f'silasidakep_outbox_backlog{{service="{service}"}}' in metrics
