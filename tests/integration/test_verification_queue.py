"""The verification queue's leases against real PostgreSQL: no application goes to two people."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from services.verification import audit, queue
from services.verification.models import AccessLog, QueueItem, metadata
from silasidakep.auth import StaffPrincipal
from silasidakep.db import Outbox, make_engine
from silasidakep.errors import Conflict, Forbidden


@pytest.fixture
def sessions(database_url: str):
    engine = make_engine(database_url, pool_size=24)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    # The access log is append-only (a trigger refuses DELETE): its entries stay.
    with factory() as session, session.begin():
        session.execute(metadata.tables["verification.decisions"].delete())
        session.execute(delete(QueueItem))
        session.execute(metadata.tables["verification.outbox"].delete())
    engine.dispose()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(metadata.tables["verification.outbox"], producer="verification")


def verifier() -> StaffPrincipal:
    return StaffPrincipal(uuid.uuid4(), f"v-{uuid.uuid4().hex[:6]}", frozenset({"verifier"}))


def submission(minutes_ago: int, service_code: str = "KK_PERUBAHAN",
               kecamatan_code: str = "32.11.06", target: timedelta = timedelta(hours=24)) -> dict:
    submitted = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "application_id": uuid.uuid4(), "round": 1, "submitted_at": submitted,
        "deadline_at": submitted + target, "documents": [], "warnings": [],
        "application": {
            "tracking_code": "SLS-TEST0000", "service_code": service_code,
            "output_document": "KK", "form": {},
            "applicant": {"nik": "3211060101900001", "name": "Uji Coba", "email": "u@example.org",
                          "kk_number": "3211060101200001", "kecamatan_code": kecamatan_code},
        },
    }


def enqueue(sessions: sessionmaker, *minutes_ago: int, **options) -> list[uuid.UUID]:
    with sessions() as session, session.begin():
        return [queue.enqueue(session, submission(m, **options)).application_id
                for m in minutes_ago]


def test_parallel_claimers_never_share_an_application(sessions, outbox) -> None:
    ids = set(enqueue(sessions, *range(40)))
    claimed: list[uuid.UUID] = []
    lock = threading.Lock()

    def claimer() -> None:
        while True:
            # A fresh verifier per claim: one holding a claim is answered that claim again.
            with sessions() as session, session.begin():
                item = queue.claim_next(session, outbox, verifier())
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


def test_claim_filters_by_service_and_kecamatan_keeping_deadline_order(sessions, outbox):
    (kk_far,) = enqueue(sessions, 50, kecamatan_code="32.11.01")
    (akta,) = enqueue(sessions, 40, service_code="AKTA_KELAHIRAN", kecamatan_code="32.11.01")
    kk_old, kk_new = enqueue(sessions, 30, 5)
    # A shorter service target puts a newer submission ahead: deadline first, then age.
    (urgent,) = enqueue(sessions, 1, kecamatan_code="32.11.06", target=timedelta(hours=1))
    staff = verifier()

    def claim(who: StaffPrincipal | None = None, **filters) -> uuid.UUID | None:
        # A fresh verifier by default: one holding a claim is answered that claim again.
        with sessions() as session, session.begin():
            item = queue.claim_next(session, outbox, who or verifier(), client_ip="192.0.2.9",
                                    **filters)
            return item.application_id if item else None

    assert claim(staff, service_code="AKTA_KELAHIRAN") == akta
    assert claim(service_code="AKTA_KELAHIRAN") is None
    assert claim(service_code="KK_PERUBAHAN", kecamatan_code="32.11.06") == urgent
    assert claim(kecamatan_code="32.11.06") == kk_old
    assert claim(kecamatan_code="32.11.01") == kk_far
    assert claim() == kk_new
    with sessions() as session:
        logged = session.scalars(
            select(AccessLog).where(AccessLog.application_id == akta, AccessLog.action == "CLAIM")
        ).one()
    assert (logged.username, logged.client_ip, logged.detail) == (
        staff.username, "192.0.2.9", "service_code=AKTA_KELAHIRAN")


def test_twenty_claimers_over_five_hundred_applications(sessions, outbox) -> None:
    """The issue's concurrency test: 20 verifiers, each with its own sessions, claim and decide
    until the queue is empty. Every application is claimed exactly once, none is lost, nobody
    holds two at once, each verifier's claims come in deadline order, and the access log stays
    one unbroken chain."""
    total, claimers = 500, 20
    ids = set(enqueue(sessions, *range(total)))
    claims: Counter[uuid.UUID] = Counter()
    deadlines: dict[uuid.UUID, list[datetime]] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(claimers)

    def claimer() -> None:
        staff = verifier()
        mine: list[datetime] = []
        try:
            start.wait()
            while True:
                with sessions() as session, session.begin():
                    item = queue.claim_next(session, outbox, staff)
                    if item is None:
                        break
                    application_id, deadline = item.application_id, item.deadline_at
                    holding = session.scalar(
                        select(func.count()).select_from(QueueItem)
                        .where(QueueItem.claimed_by == staff.staff_id,
                               QueueItem.state == queue.CLAIMED)
                    )
                    assert holding == 1, f"{staff.username} holds {holding} at once"
                with lock:
                    claims[application_id] += 1
                mine.append(deadline)
                with sessions() as session, session.begin():
                    queue.decide(session, outbox, staff, str(application_id), "APPROVE")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        with lock:
            deadlines[staff.staff_id] = mine

    with sessions() as session:
        log_before = audit.verify_chain(session).head_seq
    threads = [threading.Thread(target=claimer) for _ in range(claimers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    elapsed = time.perf_counter() - started
    print(f"\n{claimers} parallel claimers over {total} applications (claim + decide each):"
          f" {elapsed:.2f} s, {total / elapsed:.0f} applications/s;"
          f" claims per verifier {sorted(len(d) for d in deadlines.values())}")

    assert not errors, errors[0]
    assert set(claims) == ids  # none lost
    assert set(claims.values()) == {1}  # each exactly once
    assert all(d == sorted(d) for d in deadlines.values())  # earliest deadline first
    with sessions() as session:
        states = Counter(session.scalars(
            select(QueueItem.state).where(QueueItem.application_id.in_(ids))
        ))
        report = audit.verify_chain(session)
        logged = Counter(session.scalars(
            select(AccessLog.action).where(AccessLog.application_id.in_(ids))
        ))
    assert states == {queue.DECIDED: total}
    assert logged == {"CLAIM": total, "DECIDE_APPROVE": total}
    assert report.intact and report.head_seq == log_before + 2 * total
