"""A repeated claim (its answer lost, or a second click) answers the claim already held,
on real PostgreSQL (verification's service layer)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from services.verification import queue, supervision
from services.verification.models import AccessLog, QueueItem, metadata
from silasidakep.auth import StaffPrincipal
from silasidakep.db import Outbox, make_engine

OUTBOX = metadata.tables["verification.outbox"]


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(database_url, pool_size=4)
    factory = sessionmaker(engine, expire_on_commit=False)
    created: list[uuid.UUID] = []
    factory.created = created  # type: ignore[attr-defined]
    yield factory
    with factory() as session, session.begin():  # the access log is append-only: it stays
        decisions = metadata.tables["verification.decisions"]
        session.execute(decisions.delete().where(decisions.c.application_id.in_(created)))
        session.execute(delete(QueueItem).where(QueueItem.application_id.in_(created)))
        session.execute(OUTBOX.delete())
    engine.dispose()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(OUTBOX, producer="verification")


def verifier() -> StaffPrincipal:
    return StaffPrincipal(uuid.uuid4(), f"v-{uuid.uuid4().hex[:6]}", frozenset({"verifier"}))


def enqueue(sessions: sessionmaker, service: str, minutes_ago: int = 10,
            kecamatan: str = "32.11.06") -> uuid.UUID:
    submitted = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    data = {
        "application_id": uuid.uuid4(), "round": 1, "submitted_at": submitted,
        "deadline_at": submitted + timedelta(hours=24), "documents": [], "warnings": [],
        "application": {
            "tracking_code": f"SLS-{uuid.uuid4().hex[:8].upper()}", "service_code": service,
            "output_document": "KK", "form": {},
            "applicant": {"nik": "3211060101900001", "name": "Uji Coba", "email": "u@example.org",
                          "kk_number": "3211060101200001", "kecamatan_code": kecamatan},
        },
    }
    with sessions() as session, session.begin():
        item = queue.enqueue(session, data)
    sessions.created.append(item.application_id)
    return item.application_id


def claim(sessions: sessionmaker, outbox: Outbox, staff: StaffPrincipal,
          **filters) -> QueueItem | None:
    with sessions() as session, session.begin():
        return queue.claim_next(session, outbox, staff, client_ip="192.0.2.4", **filters)


def claimed_events(sessions: sessionmaker, application_id: uuid.UUID) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OUTBOX).where(
            OUTBOX.c.event_type == "verification.claimed",
            OUTBOX.c.envelope["data"]["application_id"].astext == str(application_id)))


def service() -> str:
    return f"UJI_{uuid.uuid4().hex[:6].upper()}"


def test_a_repeated_claim_returns_the_held_application_without_renewing_it(sessions, outbox):
    code = service()
    first_app, second_app = enqueue(sessions, code, 20), enqueue(sessions, code, 10)
    staff = verifier()
    first = claim(sessions, outbox, staff, service_code=code)
    again = claim(sessions, outbox, staff, service_code=code)
    assert first.application_id == again.application_id == first_app
    assert again.lease_expires_at == first.lease_expires_at  # the lost answer, as it was
    assert claimed_events(sessions, first_app) == 1  # intake hears of one claim
    with sessions() as session:
        assert session.get(QueueItem, second_app).state == queue.PENDING  # nothing else leased
        logged = session.scalars(select(AccessLog.detail).where(
            AccessLog.application_id == first_app, AccessLog.action == "CLAIM")
            .order_by(AccessLog.seq)).all()
    assert logged == [f"service_code={code}", f"held service_code={code}"]

    # Decided, it is no longer held: the next claim leases the next application.
    with sessions() as session, session.begin():
        queue.decide(session, outbox, staff, str(first_app), "APPROVE")
    assert claim(sessions, outbox, staff, service_code=code).application_id == second_app


def test_the_held_claim_is_answered_only_for_filters_it_matches(sessions, outbox):
    code, other = service(), service()
    held = enqueue(sessions, code, 30, kecamatan="32.11.01")
    waiting = enqueue(sessions, other, 20, kecamatan="32.11.06")
    staff = verifier()
    assert claim(sessions, outbox, staff, service_code=code).application_id == held
    assert claim(sessions, outbox, staff, kecamatan_code="32.11.01").application_id == held
    # Another service: the held one does not match, so that one is leased (two held now).
    assert claim(sessions, outbox, staff, service_code=other).application_id == waiting
    assert claim(sessions, outbox, staff, service_code=other).application_id == waiting
    # Without filters: the held claim with the earliest deadline.
    assert claim(sessions, outbox, staff).application_id == held


def test_an_expired_lease_is_not_held_and_another_verifier_is_not_answered_it(sessions, outbox):
    code = service()
    app, later = enqueue(sessions, code, 30), enqueue(sessions, code, 5)
    first, second = verifier(), verifier()
    with sessions() as session, session.begin():
        expired = queue.claim_next(session, outbox, first, lease=timedelta(seconds=-1),
                                   service_code=code)
    assert expired.application_id == app
    # Another verifier is never answered someone else's claim; the expired one is claimable.
    assert claim(sessions, outbox, second, service_code=code).application_id == app
    # The first no longer holds it: it gets the next application with a fresh lease.
    renewed = claim(sessions, outbox, first, service_code=code)
    assert renewed.application_id == later
    assert renewed.lease_expires_at > datetime.now(UTC) + timedelta(minutes=29)


def test_a_claim_returned_by_a_supervisor_is_not_answered_again(sessions, outbox):
    code = service()
    app = enqueue(sessions, code)
    staff = verifier()
    supervisor = StaffPrincipal(uuid.uuid4(), "sup-uji", frozenset({"supervisor"}))
    assert claim(sessions, outbox, staff, service_code=code).application_id == app
    with sessions() as session, session.begin():
        supervision.return_to_queue(session, supervisor, str(app))
    # Back in the queue (PENDING): claimed afresh, which intake hears of again.
    again = claim(sessions, outbox, staff, service_code=code)
    assert again.application_id == app and again.state == queue.CLAIMED
    assert claimed_events(sessions, app) == 2
