"""The verification queue's leases against real PostgreSQL: no application goes to two people."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from services.verification import queue
from services.verification.models import AccessLog, QueueItem, metadata
from silasidakep.auth import StaffPrincipal
from silasidakep.db import Outbox, make_engine
from silasidakep.errors import Conflict, Forbidden


@pytest.fixture
def sessions(database_url: str):
    engine = make_engine(database_url, pool_size=12)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():
        session.execute(delete(AccessLog))
        session.execute(metadata.tables["verification.decisions"].delete())
        session.execute(delete(QueueItem))
        session.execute(metadata.tables["verification.outbox"].delete())
    engine.dispose()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(metadata.tables["verification.outbox"], producer="verification")


def verifier() -> StaffPrincipal:
    return StaffPrincipal(uuid.uuid4(), f"v-{uuid.uuid4().hex[:6]}", frozenset({"verifier"}))


def submission(minutes_ago: int) -> dict:
    submitted = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "application_id": uuid.uuid4(), "round": 1, "submitted_at": submitted,
        "deadline_at": submitted + timedelta(hours=24), "documents": [], "warnings": [],
        "application": {
            "tracking_code": "SLS-TEST0000", "service_code": "KK_PERUBAHAN",
            "output_document": "KK", "form": {},
            "applicant": {"nik": "3211060101900001", "name": "Uji Coba", "email": "u@example.org",
                          "kk_number": "3211060101200001", "kecamatan_code": "32.11.06"},
        },
    }


def enqueue(sessions: sessionmaker, *minutes_ago: int) -> list[uuid.UUID]:
    with sessions() as session, session.begin():
        return [queue.enqueue(session, submission(m)).application_id for m in minutes_ago]


def test_parallel_claimers_never_share_an_application(sessions, outbox) -> None:
    ids = set(enqueue(sessions, *range(40)))
    claimed: list[uuid.UUID] = []
    lock = threading.Lock()

    def claimer() -> None:
        staff = verifier()
        while True:
            with sessions() as session, session.begin():
                item = queue.claim_next(session, outbox, staff)
                if item is None:
                    return
                with lock:
                    claimed.append(item.application_id)

    threads = [threading.Thread(target=claimer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(claimed) == len(set(claimed)) == 40
    assert set(claimed) == ids


def test_oldest_deadline_first_and_an_expired_lease_returns_to_the_queue(sessions, outbox):
    older, newer = enqueue(sessions, 30, 5)
    first, second = verifier(), verifier()
    with sessions() as session, session.begin():
        item = queue.claim_next(session, outbox, first, lease=timedelta(seconds=-1))
        assert item.application_id == older
    with sessions() as session, session.begin():
        assert queue.claim_next(session, outbox, second).application_id == older
    with sessions() as session, session.begin(), pytest.raises(Forbidden):
        queue.decide(session, outbox, first, str(older), "APPROVE")
    with sessions() as session, session.begin():
        queue.decide(session, outbox, second, str(older), "APPROVE")
    with sessions() as session, session.begin(), pytest.raises(Conflict):
        queue.decide(session, outbox, second, str(older), "APPROVE")
    with sessions() as session, session.begin():
        assert queue.claim_next(session, outbox, first).application_id == newer


def test_a_stale_round_does_not_reset_a_newer_one(sessions) -> None:
    data = submission(1)
    with sessions() as session, session.begin():
        queue.enqueue(session, {**data, "round": 2})
    with sessions() as session, session.begin():
        assert queue.enqueue(session, {**data, "round": 1}) is None
        assert session.get(QueueItem, data["application_id"]).round == 2
