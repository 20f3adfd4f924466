"""The README's run command, run the way a newcomer does, in a copy of the checkout.

``bin/run-local`` starts everything; then what the README promises must hold: the gateway
answers, both development staff accounts log in with the passwords it wrote to ``var/``, an
email sign-in code arrives in the mail catcher's ``var/mail``, and the documented CLI commands
work. Only the ports, the database and the RabbitMQ vhost are the copy's own, so it can run
beside the developer's own ``bin/run-local`` and the other tests.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
import requests

from tests.support import infra

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _checkout_copy(target: Path) -> None:
    """The tracked and new files, as a fresh clone would have them, sharing the venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Iterator[tuple[Path, str, dict[str, str]]]:
    copy = tmp_path_factory.mktemp("newcomer")
    _checkout_copy(copy)
    database, database_url = infra.create_database("silasidakep_readme")
    vhost, amqp_uri = infra.create_vhost()
    ports = {name: f"127.0.0.1:{infra.free_port()}" for name in (
        "GATEWAY_ADDRESS", "GATEWAY_METRICS_ADDRESS", "INTAKE_HTTP_ADDRESS",
        "INTAKE_EVENTS_HTTP_ADDRESS", "VERIFICATION_HTTP_ADDRESS", "PRINTING_HTTP_ADDRESS",
        "NOTIFICATION_HTTP_ADDRESS")}
    # The shared venv is current first, so the copy's bootstrap finds nothing to install (an
    # install from the copy would point the editable package at it).
    subprocess.run([str(ROOT / "bin" / "bootstrap")], check=True, timeout=600)
    # A newcomer's shell (proxies, package index settings), without what the tests set.
    ours = ("SILASIDAKEP_", "DATABASE_URL", "AMQP_URI", "S3_", "SMTP_", "PYTEST", "GATEWAY_")
    shell = {k: v for k, v in os.environ.items()
             if not k.startswith(ours) and not k.endswith("_HTTP_ADDRESS")}
    env = {**shell, **ports,
           "DATABASE_URL": database_url, "AMQP_URI": amqp_uri,
           "LOCAL_S3_PORT": str(infra.free_port()), "LOCAL_SMTP_PORT": str(infra.free_port())}
    log = open(copy / "run-local.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(["bin/run-local"], cwd=copy, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    gateway = f"http://{ports['GATEWAY_ADDRESS']}"
    try:
        # Every process answers /health (the services start side by side under honcho).
        for name, address in ports.items():
            if name != "GATEWAY_METRICS_ADDRESS":
                infra.wait_until(lambda a=address: _healthy(f"http://{a}", process, copy),
                                 timeout=180, what=f"bin/run-local's {name}")
        yield copy, gateway, env
    finally:
        _stop(process)
        log.close()
        infra.delete_vhost(vhost)
        infra.drop_database(database)


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C, as the README says; whatever still runs after 30 s is killed."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _healthy(url: str, process: subprocess.Popen, copy: Path) -> bool:
    if process.poll() is not None:
        tail = (copy / "run-local.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"bin/run-local exited with {process.returncode}:\n{tail}")
    try:
        return requests.get(f"{url}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_the_gateway_answers_with_the_catalogue_and_the_pages(local_run) -> None:
    _, gateway, _ = local_run
    services = requests.get(f"{gateway}/api/v1/services", timeout=10).json()["services"]
    assert len(services) == 15
    for page in ("/", "/masuk", "/petugas"):
        assert requests.get(f"{gateway}{page}", timeout=10).status_code == 200


@pytest.mark.parametrize(("username", "file"),
                         [("verifikator", "verifier"), ("admin", "admin"), ("loket", "loket")])
def test_every_documented_staff_account_logs_in(local_run, username: str, file: str) -> None:
    copy, gateway, _ = local_run
    password = (copy / "var" / f"dev-{file}-password").read_text().strip()
    answer = requests.post(f"{gateway}/api/v1/staff/session", timeout=10,
                           json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    assert answer.json()["token"]


def test_an_email_sign_in_code_arrives_in_the_mail_catcher(local_run) -> None:
    copy, gateway, _ = local_run
    email = "siti.newcomer@example.org"
    sent = requests.post(f"{gateway}/api/v1/auth/code", json={"identifier": email}, timeout=10)
    assert sent.status_code == 202, sent.text

    def code_mail() -> str | None:
        for path in sorted((copy / "var" / "mail").glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            if message["To"] == email:
                found = re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content())
                return found.group(1) if found else None
        return None

    code = infra.wait_until(code_mail, timeout=30, what="the sign-in code in var/mail")
    session = requests.post(f"{gateway}/api/v1/auth/session", timeout=10,
                            json={"identifier": email, "code": code})
    assert session.status_code in (200, 201), session.text
    mine = requests.get(f"{gateway}/api/v1/me/applications", timeout=10,
                        headers={"Authorization": f"Bearer {session.json()['token']}"})
    assert mine.status_code == 200 and mine.json()["applications"] == []


@pytest.mark.parametrize("command", [["staff", "list"], ["reason-codes", "list"],
                                     ["audit", "verify"]])
def test_the_documented_commands_work(local_run, command: list[str]) -> None:
    copy, _, env = local_run
    result = subprocess.run([str(copy / ".venv" / "bin" / "silasidakep"), *command], cwd=copy,
                            env={**env, "SILASIDAKEP_ENV": "development"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    if command == ["staff", "list"]:
        assert {"verifikator", "admin", "loket"} <= {line.split()[0] for line in
                                            result.stdout.splitlines()[1:] if line.strip()}
