"""Real infrastructure for integration and end-to-end tests, all on loopback.

Each test session gets its own PostgreSQL database and RabbitMQ vhost (so durable queues from an
earlier run cannot leak in), a moto S3 server process and an aiosmtpd SMTP server.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import psycopg2
import requests
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
RABBIT_API = "http://127.0.0.1:15672/api"
ARTIFACTS = ROOT / "test-artifacts"
EVENT_SAMPLES = ARTIFACTS / "event-samples"
RABBIT_AUTH = ("guest", "guest")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


# --- PostgreSQL -----------------------------------------------------------------------------------


def create_database(prefix: str = "silasidakep_test") -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name, f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --- RabbitMQ -------------------------------------------------------------------------------------


def create_vhost(prefix: str = "silasidakep-test") -> tuple[str, str]:
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    requests.put(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10).raise_for_status()
    requests.put(
        f"{RABBIT_API}/permissions/{vhost}/guest", auth=RABBIT_AUTH, timeout=10,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    return vhost, f"amqp://guest:guest@127.0.0.1:5672/{vhost}"


def delete_vhost(vhost: str) -> None:
    requests.delete(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10)


def queue_depth(vhost: str, queue: str) -> int:
    """Messages in a queue, read live from the broker (not the management API's sampled stats)."""
    from kombu import Connection

    with Connection(f"amqp://guest:guest@127.0.0.1:5672/{vhost}") as conn:
        _, count, _ = conn.default_channel.queue_declare(queue=queue, passive=True)
    return count


# --- S3 (moto server) -------------------------------------------------------------------------


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen

    @classmethod
    def start(cls, log_dir: Path) -> S3Server:
        port = free_port()
        log = open(log_dir / "s3.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        endpoint = f"http://127.0.0.1:{port}"
        wait_until(lambda: _responds(endpoint), timeout=60, what="moto server")
        return cls(endpoint, process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _responds(url: str) -> bool:
    try:
        requests.get(url, timeout=5)
        return True
    except (requests.ConnectionError, requests.Timeout):  # a slow first answer on a loaded machine
        return False


# --- SMTP (aiosmtpd) ------------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # A test's step between taking a message and answering 250. An attribute, not a replaced
    # handle_DATA: aiosmtpd binds its hooks once per connection, and the sender keeps its own.
    before_answer: Callable[[Any], Awaitable[None]] | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(message)
        if self.before_answer is not None:
            await self.before_answer(envelope)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, subject_part: str, timeout: float = 30) -> EmailMessage:
        def find():
            return next(
                (m for m in self.to(address) if subject_part.lower() in m["Subject"].lower()),
                None,
            )

        return wait_until(find, timeout, what=f"email '{subject_part}' to {address}")


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def restart(self) -> None:
        """Come back on the same port, keeping the mailbox (after a simulated outage)."""
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


class MailCatcherProcess:
    """bin/run-local's mail catcher (``silasidakep.devtools.mailcatcher``) as a process of its own,
    so its CPU can be measured (bench/run.py). Mails go to a temporary directory removed on stop;
    its summaries (which carry download PINs) go nowhere, only its errors to ``mail.log``."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="silasidakep-mail-"))
        self._log = open(log_dir / "mail.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "silasidakep.devtools.mailcatcher", "--host", "127.0.0.1",
             "--port", str(self.port), "--dir", str(self.directory)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self._log,
        )

    def start(self) -> MailCatcherProcess:
        wait_until(self._listening, timeout=30, what="mail catcher")
        return self

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the mail catcher exited; see {self._log.name}")
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    @property
    def mailbox(self) -> Mailbox:
        raise AttributeError("the mail catcher process keeps no mailbox; mails are files in "
                             f"{self.directory}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        shutil.rmtree(self.directory, ignore_errors=True)


# --- service processes ------------------------------------------------------------------------

SERVICES = {
    "intake": ("services/intake/config.yaml", "services.intake.service:IntakeService"),
    "verification": (
        "services/verification/config.yaml", "services.verification.service:VerificationService"
    ),
    "printing": ("services/printing/config.yaml", "services.printing.service:PrintingService"),
    "notification": (
        "services/notification/config.yaml", "services.notification.service:NotificationService"
    ),
    "gateway": ("gateway/config.yaml", "gateway.service:GatewayService"),
}
# Development-only processes that System.start() does not start: the benchmarks' auto-approver
# (bin/run-local with BENCH_AUTO_APPROVE=1). It serves no HTTP, so it has no health to wait for.
DEV_PROCESSES = {
    "auto-approve": (
        "services/verification/config.yaml",
        "services.verification.dev_auto_approve:AutoApprover",
    ),
}
HTTP_ADDRESS_VARS = {
    "auto-approve": "VERIFICATION_HTTP_ADDRESS",
    "intake": "INTAKE_HTTP_ADDRESS",
    "verification": "VERIFICATION_HTTP_ADDRESS",
    "printing": "PRINTING_HTTP_ADDRESS",
    "notification": "NOTIFICATION_HTTP_ADDRESS",
    "gateway": "GATEWAY_ADDRESS",
}


@dataclass
class ServiceProcess:
    name: str
    address: str
    process: subprocess.Popen
    log_path: Path
    metrics_address: str | None = None  # the gateway's internal metrics port

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.metrics_address or self.address}/metrics"

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited; see {self.log_path}")
        try:
            return requests.get(f"{self.url}/health", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def start_service(name: str, env: dict[str, str], log_dir: Path,
                  log_name: str | None = None) -> ServiceProcess:
    """``log_name``: the log file's name without ``.log`` for a second copy of a service."""
    config, target = SERVICES[name] if name in SERVICES else DEV_PROCESSES[name]
    address = f"127.0.0.1:{free_port()}"
    env = {**env, HTTP_ADDRESS_VARS[name]: address}
    metrics_address = None
    if name == "gateway":
        metrics_address = env["GATEWAY_METRICS_ADDRESS"] = f"127.0.0.1:{free_port()}"
    log_path = log_dir / f"{log_name or name}.log"
    log = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "silasidakep.nameko_cli", "run", "--config", config, target],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    return ServiceProcess(name, address, process, log_path, metrics_address)


def run_cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, input=stdin,
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"silasidakep {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["SILASIDAKEP_ENV"] = "development"
    env["PYTHONUNBUFFERED"] = "1"
    # Which paths of each published event hold a full identity number (tests/zz_privacy).
    env["EVENT_SAMPLE_DIR"] = str(EVENT_SAMPLES)
    return env
