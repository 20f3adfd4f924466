"""The system bench/run.py measures, booted for the run and torn down after it.

Its own database and vhost, a moto S3 server, bin/run-local's mail catcher as a process, the five
services and the development auto-approver (tests/support/system.py), plus bench/naive.py's
three processes in the same vhost. ``rows()`` names every process the CPU table reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.naive import EVENT_QUEUE
from bench.procstat import Watched, pids_named
from tests.support import infra
from tests.support.system import System, boot, shutdown

# Production-like settings where the test defaults differ: no event-sample test aid (it writes
# a file per published event), the configured RPC timeout and retry delays, hourly reminders.
BENCH_ENV = {
    "EVENT_SAMPLE_DIR": "",
    "EVENT_RETRY_DELAYS_MS": "",
    "RPC_TIMEOUT_SECONDS": "15",
    "REMINDER_INTERVAL_SECONDS": "300",
}
NAIVE = {
    "naive http": "bench.naive:NaiveHttp",
    "naive rpc": "bench.naive:NaiveRpc",
    "naive events": "bench.naive:NaiveEvents",
}
NAIVE_CONFIG = "bench/naive.yaml"
MAIL_NICE = 10
# Intake's two sides, as bin/run-local runs them: bench name -> (service, settings).
SIDES: dict[str, tuple[str, dict[str, str]]] = {
    "intake": ("intake", {"INTAKE_SERVES": "requests"}),
    "intake events": ("intake", {"INTAKE_SERVES": "events", "PROCESS_NICE": "5"}),
}


@dataclass
class Rig:
    system: System
    naive: dict[str, infra.ServiceProcess]
    started_at: datetime

    @property
    def gateway(self) -> str:
        return self.system.gateway

    @property
    def naive_url(self) -> str:
        return f"{self.naive['naive http'].url}/naive"

    @property
    def database(self) -> str:
        return self.system.database

    def metrics_urls(self) -> dict[str, str]:
        return {name: process.metrics_url for name, process in self.system.processes.items()
                if name.split(" ")[0] in infra.SERVICES}

    def start(self, *names: str) -> None:
        """(Re)start processes by their bench name, with their settings (``SIDES``)."""
        system = self.system
        for name in names:
            service, extra = SIDES.get(name, (name, {}))
            system.processes[name] = infra.start_service(
                service, {**system.env, **extra}, system.log_dir, log_name=name.replace(" ", "-"))
        for name in names:
            infra.wait_until(system.processes[name].healthy, timeout=60, what=f"{name} health")

    def rows(self) -> list[Watched]:
        system = self.system
        # By name, not by process: phase e restarts printing and adds a second one.
        rows = [Watched(name, lambda n=name: _pids(system, n)) for name in system.processes]
        rows += [_one("moto s3", system.s3.process), _one("mail catcher", system.smtp.process)]
        rows += [_one(name, p.process, group="naive") for name, p in self.naive.items()]
        rows += [
            Watched("postgres (all)", lambda: pids_named("postgres")),
            Watched("rabbitmq", lambda: pids_named("beam.smp")),
            Watched("load generator", lambda: [os.getpid()], children=False, in_total=False,
                    group="client"),
        ]
        return rows


def _pids(system: System, name: str) -> list[int]:
    """The processes running as ``name``, and its extra copies (``name 2``, ...)."""
    return [p.process.pid for key, p in system.processes.items()
            if key == name or key.removeprefix(f"{name} ").isdigit()]


def _one(name: str, process: subprocess.Popen, group: str = "system") -> Watched:
    return Watched(name, lambda: [process.pid], group=group)


@contextmanager
def running(artifacts: Path) -> Iterator[Rig]:
    """Boot everything; tear it all down afterwards, also on an error or Ctrl-C."""
    system = boot(artifacts, BENCH_ENV, mail_process=True, prefix="silasidakep-bench")
    naive: dict[str, infra.ServiceProcess] = {}
    try:
        # The mail catcher stands in for the provider's SMTP relay, which is not on this server
        # in production: niced like notification, the back office it serves.
        os.setpriority(os.PRIO_PROCESS, system.smtp.process.pid, MAIL_NICE)
        system.start(*(name for name in infra.SERVICES if name != "intake"))
        rig = Rig(system, naive, datetime.now(UTC))
        rig.start(*SIDES)  # intake as bin/run-local runs it: two processes
        system.processes["auto-approve"] = infra.start_service(
            "auto-approve", system.env, system.log_dir)
        for name, target in NAIVE.items():
            naive[name] = start_naive(name, target, system)
        wait_ready(system, naive)
        rig.started_at = datetime.now(UTC)
        yield rig
    finally:
        for process in naive.values():
            process.stop()
        shutdown(system)


def start_naive(name: str, target: str, system: System) -> infra.ServiceProcess:
    address = f"127.0.0.1:{infra.free_port()}"
    log_path = system.log_dir / f"{name.replace(' ', '-')}.log"
    log = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "silasidakep.nameko_cli", "run", "--config", NAIVE_CONFIG, target],
        cwd=infra.ROOT, env={**system.env, "NAIVE_HTTP_ADDRESS": address},
        stdout=log, stderr=subprocess.STDOUT,
    )
    return infra.ServiceProcess(name, address, process, log_path)


def wait_ready(system: System, naive: dict[str, infra.ServiceProcess]) -> None:
    """The naive chain answers and its event queue exists; the auto-approver stays up."""
    front = naive["naive http"]
    infra.wait_until(front.healthy, timeout=60, what="naive http health")
    infra.wait_until(lambda: _naive_answers(front.url, naive), timeout=60, what="naive rpc")
    infra.wait_until(lambda: _queue_exists(system.vhost, naive), timeout=60,
                     what="naive event queue")
    time.sleep(1.0)
    approver = system.processes["auto-approve"]
    if approver.process.poll() is not None:
        raise RuntimeError(f"the auto-approver exited; see {approver.log_path}")


def _naive_answers(url: str, naive: dict[str, infra.ServiceProcess]) -> bool:
    _alive(naive)
    try:
        return requests.post(f"{url}/naive", data=b"{}", timeout=5).ok
    except requests.RequestException:
        return False


def _queue_exists(vhost: str, naive: dict[str, infra.ServiceProcess]) -> bool:
    _alive(naive)
    try:
        infra.queue_depth(vhost, EVENT_QUEUE)
    except Exception:  # the broker refuses a passive declare of a missing queue
        return False
    return True


def _alive(processes: dict[str, infra.ServiceProcess]) -> None:
    for process in processes.values():
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.name} exited; see {process.log_path}")
