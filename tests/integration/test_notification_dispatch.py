"""Email delivery on real PostgreSQL and a real SMTP server: once per event, failures recorded."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.notification import dispatch
from services.notification.mailer import RenderedEmail, SmtpSettings
from services.notification.models import Message
from silasidakep.db import make_engine
from tests.support.infra import SmtpServer, free_port


@pytest.fixture
def sessions(database_url: str):
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def settings_for(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, mail_from="uji@silasidakep.test", timeout=3)


EMAIL = RenderedEmail(subject="Permohonan SLS-UJI00001 disetujui", body="Isi uji.")


def message_row(sessions: sessionmaker, event_id: uuid.UUID) -> Message:
    with sessions() as session:
        return session.scalars(select(Message).where(Message.event_id == event_id)).one()


def test_concurrent_deliveries_of_one_event_send_one_email(sessions, smtp) -> None:
    event_id, to = uuid.uuid4(), f"{uuid.uuid4().hex[:8]}@example.org"
    results: list[bool] = []
    barrier = threading.Barrier(5)

    def deliver() -> None:
        barrier.wait()
        results.append(dispatch.deliver_email(sessions, settings_for(smtp.port), event_id,
                                              "uji", uuid.uuid4(), to, EMAIL))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False] * 4 + [True]
    assert len(smtp.mailbox.to(to)) == 1
    row = message_row(sessions, event_id)
    assert row.state == "SENT" and row.attempts == 1 and "@example.org" in row.recipient_masked
    assert to not in row.recipient_masked


def test_a_failed_send_is_recorded_and_the_retry_sends_once(sessions, smtp) -> None:
    event_id, to = uuid.uuid4(), f"{uuid.uuid4().hex[:8]}@example.org"
    application_id = uuid.uuid4()
    with pytest.raises(OSError):
        dispatch.deliver_email(sessions, settings_for(free_port()), event_id, "uji",
                               application_id, to, EMAIL)
    failed = message_row(sessions, event_id)
    assert failed.state == "QUEUED" and failed.attempts == 1 and failed.last_error
    assert dispatch.deliver_email(sessions, settings_for(smtp.port), event_id, "uji",
                                  application_id, to, EMAIL)
    sent = message_row(sessions, event_id)
    assert sent.state == "SENT" and sent.attempts == 2 and sent.last_error is None
    assert len(smtp.mailbox.to(to)) == 1
