"""The whole system as processes: five services on real RabbitMQ, PostgreSQL, S3 and SMTP."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support import infra


@dataclass
class System:
    env: dict[str, str]
    database: str
    vhost: str
    s3: infra.S3Server
    smtp: infra.SmtpServer | infra.MailCatcherProcess
    log_dir: Path
    processes: dict[str, infra.ServiceProcess] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return self.processes["gateway"].url

    @property
    def mailbox(self) -> infra.Mailbox:
        return self.smtp.mailbox

    def start(self, *names: str) -> None:
        for name in names or tuple(infra.SERVICES):
            self.processes[name] = infra.start_service(name, self.env, self.log_dir)
        for name in names or tuple(infra.SERVICES):
            infra.wait_until(self.processes[name].healthy, timeout=60, what=f"{name} health")

    def stop(self, *names: str) -> None:
        for name in names or tuple(self.processes):
            self.processes.pop(name).stop()

    def add_staff(self, username: str, *roles: str, kecamatan: str | None = None,
                  location: str | None = None) -> str:
        password = secrets.token_urlsafe(16)
        args = ["staff", "add", username, "--password-stdin"]
        for role in roles:
            args += ["--role", role]
        if kecamatan:
            args += ["--kecamatan", kecamatan]
        if location:
            args += ["--location", location]
        infra.run_cli(args, self.env, stdin=password + "\n")
        return password

    def staff_token(self, username: str, password: str) -> str:
        response = requests.post(
            f"{self.gateway}/api/v1/staff/session",
            json={"username": username, "password": password}, timeout=10,
        )
        response.raise_for_status()
        return response.json()["token"]


def boot(artifacts: Path, extra_env: dict[str, str] | None = None, *,
         mail_process: bool = False, prefix: str | None = None) -> System:
    """Database, vhost, S3 and SMTP of its own, migrated; the services are not started yet.

    ``mail_process``: SMTP is bin/run-local's mail catcher as a separate process (its CPU is
    measurable, its mails are not readable from ``mailbox``) instead of an in-process server.
    ``prefix``: how the database and vhost names start (the test defaults otherwise)."""
    log_dir = artifacts / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    database, database_url = (infra.create_database(prefix.replace("-", "_")) if prefix
                              else infra.create_database())
    undo = [lambda: infra.drop_database(database)]
    try:  # whatever was made is removed again when a later step fails (or Ctrl-C)
        vhost, amqp_uri = infra.create_vhost(prefix) if prefix else infra.create_vhost()
        undo.append(lambda: infra.delete_vhost(vhost))
        s3 = infra.S3Server.start(log_dir)
        undo.append(s3.stop)
        smtp = (infra.MailCatcherProcess(log_dir).start() if mail_process
                else infra.SmtpServer().start())
        undo.append(smtp.stop)
        env = {
            **infra.base_env(),
            "DATABASE_URL": database_url,
            "AMQP_URI": amqp_uri,
            "S3_ENDPOINT": s3.endpoint,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "MAIL_FROM": "Disdukcapil Sumedang <no-reply@silasidakep.test>",
            "DEV_PKI_DIR": str(artifacts / "pki"),
            "EVENT_RETRY_DELAYS_MS": "200,500,1000",
            "REMINDER_INTERVAL_SECONDS": "1",  # appointment reminders go out within a second
            "RPC_TIMEOUT_SECONDS": "5",
            **(extra_env or {}),
        }
        system = System(env, database, vhost, s3, smtp, log_dir)
        infra.run_cli(["migrate"], env)
    except BaseException:
        for step in reversed(undo):
            step()
        raise
    env["PUBLIC_BASE_URL"] = "https://silasidakep.test"
    return system


def shutdown(system: System) -> None:
    for process in system.processes.values():
        process.stop()
    system.s3.stop()
    system.smtp.stop()
    infra.delete_vhost(system.vhost)
    infra.drop_database(system.database)


@contextmanager
def running_system(artifacts: Path, extra_env: dict[str, str] | None = None) -> Iterator[System]:
    """A booted and started system of its own (its database, vhost, S3 and SMTP), torn down
    afterwards: for test modules that need other settings than the shared one."""
    system = boot(artifacts, extra_env)
    try:
        system.start()
        yield system
    finally:
        shutdown(system)
