"""PostgreSQL refuses notification's write right after the SMTP server accepted an email: the
email still goes out exactly once and nothing is dead-lettered (issue 14, item 2).

Notification runs as a database role of its own, so the outage hits it alone: the test's SMTP
server, while it answers the chosen email, refuses the role's logins and terminates its
connections. A short outage is bridged by the in-process record retry; a longer one by the sent
marker, which records SENT on the redelivered event (or the sweep) after the SENDING lease has
long expired, where the old code sent the email again.
"""

from __future__ import annotations

import email
import threading
import time
import uuid
from collections.abc import Iterator
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests

from silasidakep.contracts import SUBSCRIPTIONS
from silasidakep.messaging import dead_queue_name
from tests.support.infra import queue_depth, wait_until
from tests.support.journeys import apply, approve, wait_for_status
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-record-window"
RECORD_RETRY_SECONDS = 8  # the in-process retries: at 0.2, 0.6, 1.4, 3.0 and 6.2 s
LEASE_SECONDS = 10


def admin(sql: str, *args: Any, dbname: str = "postgres") -> list[tuple]:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=dbname)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


class Outage:
    """PostgreSQL refusing one role: its logins refused, its open connections terminated."""

    def __init__(self, role: str, database: str) -> None:
        self.role, self.database = role, database
        self.started = threading.Event()
        self.ended = threading.Event()

    def begin(self, seconds: float) -> None:
        self.started.set()
        admin(f'ALTER ROLE "{self.role}" NOLOGIN')
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE usename = %s AND datname = %s", self.role, self.database)
        wait_until(lambda: not self.backends(), timeout=5, interval=0.02, what="backends gone")
        threading.Timer(seconds, self.end).start()

    def end(self) -> None:
        admin(f'ALTER ROLE "{self.role}" LOGIN')
        self.ended.set()

    def backends(self) -> list[tuple]:
        return admin("SELECT pid FROM pg_stat_activity WHERE usename = %s AND datname = %s",
                     self.role, self.database)


def outage_when_accepting(system: System, outage: Outage, address: str, subject_part: str,
                          seconds: float) -> None:
    """The SMTP server starts the outage while it accepts the first matching email: the 250
    answer reaches notification only after its database connections are gone."""

    async def start_outage(envelope: Any) -> None:
        mail = email.message_from_bytes(envelope.content, policy=default_policy)
        if (address in envelope.rcpt_tos and subject_part.lower() in mail["Subject"].lower()
                and not outage.started.is_set()):
            outage.begin(seconds)

    system.mailbox.before_answer = start_outage


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    role = f"notif_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE ROLE "{role}" LOGIN SUPERUSER')
    try:
        with running_system(ARTIFACTS, {
            "NOTIFY_RECORD_RETRY_SECONDS": str(RECORD_RETRY_SECONDS),
            "NOTIFY_SENDING_TIMEOUT_SECONDS": str(LEASE_SECONDS),
            "NOTIFY_RECORD_SWEEP_SECONDS": "2",
            # Long enough that other notification events failing in the outage are retried
            # after it; deferrals wait 4 s.
            "EVENT_RETRY_DELAYS_MS": "500,1000,2000,4000",
        }) as running:
            shared_url = running.env["DATABASE_URL"]
            running.stop("notification")
            running.env["DATABASE_URL"] = shared_url.replace("//postgres@", f"//{role}@")
            running.start("notification")
            running.env["DATABASE_URL"] = shared_url
            running.outage = Outage(role, running.database)  # type: ignore[attr-defined]
            yield running
    finally:
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", role)
        admin(f'DROP ROLE IF EXISTS "{role}"')


def email_rows(system: System, **where: str) -> list[tuple]:
    column, value = next(iter(where.items()))
    return admin(
        "SELECT m.template, m.state, m.attempts, "
        "(SELECT count(*) FROM notification.attempts a "
        " WHERE a.message_id = m.id AND a.outcome = 'sent') "
        f"FROM notification.messages m WHERE m.channel = 'EMAIL' AND m.{column} = %s",
        value, dbname=system.database,
    )


def sent_once(rows: list[tuple]) -> bool:
    return bool(rows) and all(row[1:] == ("SENT", 1, 1) for row in rows)


def assert_nothing_dead_lettered(system: System) -> None:
    for subscription in SUBSCRIPTIONS:
        if subscription.consumer == "notification":
            queue = dead_queue_name(subscription.queue)
            assert queue_depth(system.vhost, queue) == 0, queue


def assert_one_copy_each(system: System, address: str) -> None:
    mails = system.mailbox.to(address)
    assert len({m["Message-ID"] for m in mails}) == len(mails), [m["Subject"] for m in mails]


def test_the_pin_email_is_recorded_by_retrying_when_postgresql_drops_the_write(
    system: System,
) -> None:
    outage: Outage = system.outage  # type: ignore[attr-defined]
    verifier = system.staff_token("verif.window", system.add_staff("verif.window", "verifier"))
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=7201)
    address = payload["applicant"]["email"]
    outage_when_accepting(system, outage, address, "PIN unduh", seconds=1.5)
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    system.mailbox.wait_for(address, "PIN unduh", timeout=60)
    assert outage.started.is_set()
    assert outage.ended.wait(10)
    wait_until(lambda: sent_once(email_rows(system, application_id=app["id"])), timeout=30,
               what="every email recorded SENT once")
    time.sleep(LEASE_SECONDS + 3)  # past the lease: a resend would have happened by now
    rows = email_rows(system, application_id=app["id"])
    assert sent_once(rows) and "download_pin" in {row[0] for row in rows}
    assert len(system.mailbox.to(address)) == len(rows)
    assert_one_copy_each(system, address)
    assert_nothing_dead_lettered(system)


def test_an_outage_longer_than_the_retry_is_recorded_from_the_sent_marker(
    system: System,
) -> None:
    outage = Outage(system.outage.role, system.database)  # type: ignore[attr-defined]
    address = f"warga.{uuid.uuid4().hex[:10]}@example.id"
    outage_when_accepting(system, outage, address, "Kode masuk",
                          seconds=RECORD_RETRY_SECONDS + 4)
    sent = requests.post(f"{system.gateway}/api/v1/auth/code", json={"identifier": address},
                         timeout=10)
    assert sent.status_code == 202, sent.text
    system.mailbox.wait_for(address, "Kode masuk", timeout=30)
    assert outage.ended.wait(RECORD_RETRY_SECONDS + 15)
    wait_until(lambda: admin(
        "SELECT 1 FROM notification.messages WHERE channel = 'EMAIL' AND template = "
        "'one_time_code' AND state = 'SENT' AND created_at > now() - interval '2 minutes'",
        dbname=system.database), timeout=30, what="the code email recorded SENT")
    time.sleep(3)  # the lease expired long ago: a resend would come now
    assert len(system.mailbox.to(address)) == 1
    rows = admin(
        "SELECT m.state, m.attempts, (SELECT count(*) FROM notification.attempts a "
        "WHERE a.message_id = m.id AND a.outcome = 'sent') FROM notification.messages m "
        "WHERE m.template = 'one_time_code' AND m.channel = 'EMAIL' "
        "AND m.sent_at > now() - interval '2 minutes'", dbname=system.database)
    assert rows == [("SENT", 1, 1)]
    assert_nothing_dead_lettered(system)
    log = system.processes["notification"].log_path.read_text()
    assert "sent marker records it" in log and address not in log
