"""Webhooks on real PostgreSQL to a real HTTP receiver on loopback that verifies each request
with the Standard Webhooks library: retries, terminal failure, replay with the same id, a
redelivered event sent once, replayed signatures refused, and the address guard."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.notification.models import WebhookAttempt, WebhookDelivery, WebhookSubscriber
from services.notification.webhooks import deliveries, guard, subscribers
from silasidakep.db import make_engine
from silasidakep.errors import ValidationFailed

ISSUER = "https://login.tahu.sumedangkab.go.id"
SCHEDULE = (0, 0)  # two retries at once, then terminal


class Receiver:
    """An integrator's endpoint: verifies the signature, answers what the test scripts."""

    def __init__(self) -> None:
        self.secret = ""
        self.answers: list[int] = []
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items()}
                Webhook(receiver.secret).verify(body, headers)  # raises on a bad signature
                receiver.received.append({"headers": headers, "body": json.loads(body)})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/silasidakep"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():
        for table in (WebhookAttempt, WebhookDelivery, WebhookSubscriber):
            session.execute(delete(table))
    engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def subscribe(sessions: sessionmaker, receiver: Receiver) -> dict[str, Any]:
    with sessions() as session, session.begin():
        created = subscribers.create(session, {
            "name": "Tahu Sumedang", "url": receiver.url, "issuer": ISSUER,
        }, "admin.satu", development=True)
    receiver.secret = created["secret"]
    return created


def status_event(sub: str = "tahu-user-1", issuer: str = ISSUER) -> dict[str, Any]:
    return {
        "application_id": uuid.uuid4(), "tracking_code": "SLS-7K3M9Q2D",
        "service_code": "KTP_BARU", "service_name": "KTP-el Baru", "status": "SUBMITTED",
        "previous_status": "DRAFT", "changed_at": datetime.now(UTC), "fix_labels": [],
        "expected_completion_at": None, "recipient": {"name": "x", "channels": ["INBOX"]},
        "accounts": [{"account_id": uuid.uuid4(), "role": "APPLICANT",
                      "identities": [{"issuer": issuer, "subject": sub}]}],
    }


def handle(sessions: sessionmaker, event_id: uuid.UUID, event: dict[str, Any]) -> list[str]:
    """What the consumer does: record, then attempt each delivery once."""
    with sessions() as session, session.begin():
        keys = deliveries.record(session, event_id, "application.status_changed", event)
    return [deliveries.attempt(sessions, key, True, schedule=SCHEDULE) for key in keys]


def test_a_status_change_reaches_the_subscriber_signed_once(sessions, receiver) -> None:
    subscribe(sessions, receiver)
    event_id = uuid.uuid4()
    assert handle(sessions, event_id, status_event()) == ["DELIVERED"]
    got = receiver.received[0]
    assert got["body"]["data"]["user"] == {"issuer": ISSUER, "sub": "tahu-user-1",
                                           "role": "APPLICANT"}
    assert "nik" not in json.dumps(got["body"]).lower()
    # The broker redelivers the same event: nothing is sent again.
    assert handle(sessions, event_id, status_event()) == [None]
    assert len(receiver.received) == 1
    # Users of another issuer are not this subscriber's.
    assert handle(sessions, uuid.uuid4(), status_event(issuer="https://other.example")) == []


def test_an_application_nobody_signed_in_follows_reaches_no_subscriber(sessions, receiver):
    subscribe(sessions, receiver)
    guest = {**status_event(), "accounts": []}
    password_only = {**status_event(), "accounts": [
        {"account_id": uuid.uuid4(), "role": "APPLICANT", "identities": []}]}
    for event in (guest, password_only):
        assert not deliveries.has_followers_signed_in(event)
        assert handle(sessions, uuid.uuid4(), event) == []
    assert deliveries.has_followers_signed_in(status_event())
    assert receiver.received == []


def test_failures_are_retried_then_terminal_and_a_replay_keeps_the_id(sessions, receiver) -> None:
    subscribe(sessions, receiver)
    receiver.answers = [500, 503]
    [first] = handle(sessions, uuid.uuid4(), status_event())
    assert first == "FAILED"
    with sessions() as session:
        due = deliveries.due(session)
    assert deliveries.attempt(sessions, due[0], True, schedule=SCHEDULE) == "FAILED"
    assert deliveries.attempt(sessions, due[0], True, schedule=SCHEDULE) == "DELIVERED"
    ids = {r["headers"]["webhook-id"] for r in receiver.received}
    assert ids == {str(due[0])}  # the same webhook-id on every attempt

    receiver.answers = [500, 500, 500]
    [state] = handle(sessions, uuid.uuid4(), status_event("tahu-user-2"))
    with sessions() as session:
        key = deliveries.due(session)[0]
    for _ in range(2):
        state = deliveries.attempt(sessions, key, True, schedule=SCHEDULE)
    assert state == "TECHNICAL_FAILURE"
    with sessions() as session:
        assert key not in deliveries.due(session)  # terminal: the sweep leaves it
    with sessions() as session, session.begin():
        replayed = deliveries.replay(session, str(key))
    assert replayed["replays"] == 1 and replayed["webhook_id"] == str(key)
    assert deliveries.attempt(sessions, key, True, schedule=SCHEDULE) == "DELIVERED"
    assert receiver.received[-1]["headers"]["webhook-id"] == str(key)


def test_a_replayed_signature_is_refused_by_the_receivers_check(sessions, receiver) -> None:
    created = subscribe(sessions, receiver)
    handle(sessions, uuid.uuid4(), status_event())
    got = receiver.received[0]
    body = json.dumps(got["body"]).encode()
    old = datetime.now(UTC) - timedelta(minutes=10)
    headers = {**got["headers"], "webhook-timestamp": str(int(old.timestamp())),
               "webhook-signature": Webhook(created["secret"]).sign(
                   got["headers"]["webhook-id"], old, body.decode())}
    with pytest.raises(WebhookVerificationError):
        Webhook(created["secret"]).verify(body, headers)
    tampered = {**got["headers"]}
    with pytest.raises(WebhookVerificationError):
        Webhook(created["secret"]).verify(body.replace(b"SUBMITTED", b"ISSUED"), tampered)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest",
    "https://[::1]/hook", "http://example.org/hook", "https://user:pw@example.org/hook",
    "https://localhost/hook", "ftp://example.org/",
])
def test_webhooks_never_point_inside_outside_development(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        guard.check_url(url, development=False)
    assert refused.value.code == "WEBHOOK_URL_REFUSED"


def test_loopback_receivers_are_allowed_in_development_only() -> None:
    assert guard.check_url("http://127.0.0.1:9/hook", development=True)
