"""A real Prometheus (Debian's package, installed by bin/ensure-ops-tools) scrapes the running
services on loopback: the scrape works, every dashboard query and alert expression parses and
has data, promtool accepts and unit-tests the rules, and an induced backlog fires the alert."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from kombu import Connection

from silasidakep.contracts import find_subscription
from tests.support.infra import free_port, wait_until
from tests.support.journeys import apply, approve, pin_from, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
RULES = MONITORING / "prometheus" / "rules" / "silasidakep.rules.yml"
RULE_TESTS = MONITORING / "prometheus" / "tests" / "silasidakep.rules.test.yml"
DASHBOARDS = sorted((MONITORING / "grafana" / "dashboards").glob("*.json"))
# Metrics whose source is outside this system (documented in docs/runbook.md).
NO_SOURCE_HERE = {"silasidakep_blanko_stock"}
VERIFICATION_QUEUE = find_subscription(
    "application.submitted", "verification", "on_application_submitted"
).queue


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: bin/ensure-ops-tools installs it")
        pytest.skip(f"{name} is not installed (bin/ensure-ops-tools)")
    return path


def dashboard_queries() -> list[tuple[str, str]]:
    queries = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text(encoding="utf-8"))["panels"]:
            for target in panel.get("targets", []):
                queries.append((f"{path.stem}: {panel['title']}", target["expr"]))
    return queries


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def short_backlog_rules() -> dict[str, Any]:
    """The backlog alert with test-sized thresholds: 5 messages, a 1-minute trend, for 2s."""
    rule = next(r for r in alert_rules() if r["alert"] == "SilasidakepStageBacklogGrowing")
    expr = rule["expr"].replace("> 20", "> 5").replace("[10m]", "[1m]")
    assert expr != rule["expr"]
    return {"groups": [{"name": "test-short", "interval": "1s", "rules": [
        {**rule, "alert": "TestStageBacklogGrowing", "expr": expr, "for": "2s"}
    ]}]}


class Prometheus:
    def __init__(self, system: System, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        targets = [
            {"targets": [process.metrics_address or process.address], "labels": {"service": name}}
            for name, process in system.processes.items()
        ]
        (workdir / "test-short.rules.yml").write_text(yaml.safe_dump(short_backlog_rules()))
        shutil.copy(RULES, workdir / "silasidakep.rules.yml")
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": ["silasidakep.rules.yml", "test-short.rules.yml"],
            "scrape_configs": [{"job_name": "silasidakep", "static_configs": targets}],
        }
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = open(workdir / "prometheus.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [tool("prometheus"), f"--config.file={workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir,
        )
        wait_until(self._ready, timeout=30, what="prometheus ready")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"prometheus exited: see {self.log.name}")
        try:
            return requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def query(self, expr: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = response.json()
        assert body["status"] == "success", (expr, body)
        return body["data"]

    def has_data(self, expr: str) -> bool:
        return bool(self.query(expr)["result"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)
        self.log.close()


@pytest.fixture(scope="module")
def journey(system: System) -> None:
    """One application all the way to a downloaded document, so every stage has a sample."""
    password = system.add_staff("verifikator.prom", "verifier")
    token = system.staff_token("verifikator.prom", password)
    citizen, app, payload = apply(system, "KK_PERUBAHAN", 4242)
    approve(system, token, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    pin_from(system, payload["applicant"]["email"])


@pytest.fixture(scope="module")
def prometheus(system: System, journey: None, tmp_path_factory) -> Iterator[Prometheus]:
    instance = Prometheus(system, tmp_path_factory.mktemp("prometheus"))
    try:
        yield instance
    finally:
        instance.stop()


def test_promtool_checks_and_unit_tests_the_rules() -> None:
    promtool = tool("promtool")
    checked = subprocess.run([promtool, "check", "rules", str(RULES)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([promtool, "test", "rules", str(RULE_TESTS)],
                            capture_output=True, text=True, cwd=RULE_TESTS.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_runbook_section() -> None:
    runbook = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9-]", "", line[3:].strip().lower().replace(" ", "-"))
               for line in runbook.splitlines() if line.startswith("## ")}
    for rule in alert_rules():
        assert rule["annotations"]["runbook_url"] == f"docs/runbook.md#{rule['alert'].lower()}"
        assert rule["alert"].lower() in anchors, rule["alert"]


def test_every_service_is_scraped(prometheus: Prometheus) -> None:
    def all_up() -> bool:
        result = prometheus.query('up{job="silasidakep"}')["result"]
        return len(result) == 5 and all(r["value"][1] == "1" for r in result)

    wait_until(all_up, timeout=30, what="every target up")


def test_every_dashboard_query_parses_and_returns_data(prometheus: Prometheus) -> None:
    queries = dashboard_queries()
    assert len(queries) > 20
    # rate() needs two samples and the queue exporter a couple of management API refreshes.
    wait_until(lambda: prometheus.has_data("rate(silasidakep_http_requests_total[1m])"),
               timeout=30, what="two scrapes")
    missing = []
    for title, expr in queries:
        if any(name in expr for name in NO_SOURCE_HERE):
            prometheus.query(expr)  # must still parse
            continue
        try:
            wait_until(lambda e=expr: prometheus.has_data(e), timeout=20, interval=1, what=title)
        except TimeoutError:
            missing.append((title, expr))
    assert not missing, "\n".join(f"{t}: {e}" for t, e in missing)


def test_every_alert_expression_parses_and_its_series_exist(prometheus: Prometheus) -> None:
    for rule in alert_rules():
        prometheus.query(rule["expr"])  # parses and evaluates
        for name in set(re.findall(r"\b(silasidakep_[a-z_]+|up)\b(?=[{\[)\s])", rule["expr"])):
            if name in NO_SOURCE_HERE:
                continue
            assert prometheus.has_data(f"count({name})"), (rule["alert"], name)


def test_a_backlog_fires_the_backlog_alert(system: System, prometheus: Prometheus) -> None:
    system.stop("verification")
    ready = f'silasidakep_queue_messages_ready{{queue="{VERIFICATION_QUEUE}",kind="work"}}'

    def publish(first: int, count: int) -> None:
        with Connection(system.env["AMQP_URI"]) as conn:
            producer = conn.Producer()
            for index in range(first, first + count):
                producer.publish({"not": "an event", "n": index}, exchange="",
                                 routing_key=VERIFICATION_QUEUE, timestamp=int(time.time()))

    def scraped_at_least(count: int) -> bool:
        result = prometheus.query(ready)["result"]
        return bool(result) and float(result[0]["value"][1]) >= count

    try:
        # In two steps, each seen scraped: the rule needs the backlog growing (deriv > 0),
        # which a single step scraped only after it happened would not show.
        publish(0, 6)
        wait_until(lambda: scraped_at_least(6), timeout=30, interval=1, what="6 scraped")
        publish(6, 6)

        def firing() -> bool:
            alerts = requests.get(f"{prometheus.url}/api/v1/alerts", timeout=5).json()
            return any(a["labels"]["alertname"] == "TestStageBacklogGrowing"
                       and a["labels"]["stage"] == "verification" and a["state"] == "firing"
                       for a in alerts["data"]["alerts"])

        wait_until(firing, timeout=60, interval=1, what="the backlog alert firing")
        age = prometheus.query(
            f'silasidakep_queue_oldest_message_age_seconds{{queue="{VERIFICATION_QUEUE}",'
            'kind="work"}')["result"]
        assert age and float(age[0]["value"][1]) > 0
    finally:
        with Connection(system.env["AMQP_URI"]) as conn:
            conn.default_channel.queue_purge(VERIFICATION_QUEUE)
        system.start("verification")
