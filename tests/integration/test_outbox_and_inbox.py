"""The outbox relay and the processed-event inbox against real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from kombu import Connection
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from services.intake.models import metadata
from silasidakep.contracts import find_subscription
from silasidakep.db import Outbox, OutboxRelay, consume_once, make_engine
from silasidakep.messaging import EventPublisher


@pytest.fixture
def sessions(database_url: str) -> sessionmaker:
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def claimed_event() -> dict:
    return {"application_id": uuid.uuid4(), "round": 1, "claimed_at": datetime.now(UTC)}


def drain(uri: str, queue: str) -> list[dict]:
    bodies = []
    with Connection(uri) as conn:
        simple = conn.SimpleQueue(queue)
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                break
            bodies.append(message.payload)
            message.ack()
        simple.close()
    return bodies


def test_concurrent_relays_publish_every_committed_event_exactly_once(
    sessions: sessionmaker, amqp: tuple[str, str]
) -> None:
    _, uri = amqp
    outbox = Outbox(metadata.tables["intake.outbox"], producer="verification")
    # The intake schema's outbox table stands in for any service's: same shape everywhere.
    with sessions() as session, session.begin():
        ids = {outbox.add(session, "verification.claimed", claimed_event()) for _ in range(300)}
    relays = [OutboxRelay(sessions, outbox.table, EventPublisher(uri)) for _ in range(3)]
    published: list[int] = []
    threads = [threading.Thread(target=lambda r=r: published.append(r.flush())) for r in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(published) == 300
    queue = find_subscription("verification.claimed", "intake", "on_verification_claimed").queue
    received = Counter(uuid.UUID(body["event_id"]) for body in drain(uri, queue))
    assert set(received) == ids
    assert max(received.values()) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(outbox.table)) == 0


def test_an_event_rolled_back_with_its_state_change_is_never_published(
    sessions: sessionmaker, amqp: tuple[str, str]
) -> None:
    _, uri = amqp
    outbox = Outbox(metadata.tables["intake.outbox"], producer="verification")
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        outbox.add(session, "verification.claimed", claimed_event())
        raise RuntimeError("the state change failed")
    relay = OutboxRelay(sessions, outbox.table, EventPublisher(uri))
    assert relay.flush() == 0
    assert relay.backlog() == (0, 0.0)


def test_relay_keeps_events_when_the_broker_is_unreachable(sessions: sessionmaker) -> None:
    outbox = Outbox(metadata.tables["intake.outbox"], producer="verification")
    with sessions() as session, session.begin():
        outbox.add(session, "verification.claimed", claimed_event())
    broken = EventPublisher("amqp://guest:guest@127.0.0.1:1/")
    relay = OutboxRelay(sessions, outbox.table, broken)
    with pytest.raises(ConnectionRefusedError):
        relay.flush()
    count, age = relay.backlog()
    assert count == 1 and age >= 0
    with sessions() as session, session.begin():
        session.execute(outbox.table.delete())


def test_an_event_is_applied_once_per_handler_and_again_after_a_failed_attempt(
    sessions: sessionmaker,
) -> None:
    inbox = metadata.tables["intake.processed_events"]
    event_id = uuid.uuid4()
    applied: list[str] = []

    def failing(session) -> None:
        raise RuntimeError("handler crashed")

    with pytest.raises(RuntimeError):
        consume_once(sessions, inbox, event_id, "h1", failing)
    assert consume_once(sessions, inbox, event_id, "h1", lambda s: applied.append("h1"))
    assert not consume_once(sessions, inbox, event_id, "h1", lambda s: applied.append("again"))
    assert consume_once(sessions, inbox, event_id, "h2", lambda s: applied.append("h2"))
    assert applied == ["h1", "h2"]


def test_concurrent_duplicates_apply_once(sessions: sessionmaker) -> None:
    inbox = metadata.tables["intake.processed_events"]
    event_id = uuid.uuid4()
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        results.append(consume_once(sessions, inbox, event_id, "race", lambda s: None))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, False, False, True]
