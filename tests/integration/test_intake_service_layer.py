"""Intake's service layer on real PostgreSQL: each state change and its events commit together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake import applications
from services.intake.models import metadata
from silasidakep.contracts import parse_envelope
from silasidakep.db import Outbox, make_engine
from silasidakep.errors import Conflict
from tests.support.citizen import application_payload
from tests.support.identities import make_person

OUTBOX = metadata.tables["intake.outbox"]


@pytest.fixture
def sessions(database_url: str):
    engine = make_engine(database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():  # leave the shared outbox empty
        session.execute(OUTBOX.delete())
    engine.dispose()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(OUTBOX, producer="intake")


def events_for(sessions: sessionmaker, app_id: str) -> list[tuple[str, dict]]:
    with sessions() as session:
        rows = session.execute(select(OUTBOX.c.envelope).order_by(OUTBOX.c.created_at)).all()
    found = []
    for (envelope,) in rows:
        _, data = parse_envelope(envelope, envelope["event_type"])
        if str(data["application_id"]) == app_id:
            found.append((envelope["event_type"], data))
    return found


def upload(app_id: str, doc_type: str) -> dict:
    return {"doc_type": doc_type, "object_key": f"applications/{app_id}/{doc_type}/{uuid.uuid4()}",
            "content_type": "application/pdf", "size": 10, "sha256": "0" * 64}


def test_submission_records_status_and_events_then_follows_the_pipeline(sessions, outbox):
    with sessions() as s, s.begin():
        created = applications.create_application(
            s, outbox, application_payload(make_person(42))
        )
    app_id, token = created["id"], created["access_token"]
    with sessions() as s, s.begin():
        for doc_type in ("KK_LAMA", "BUKTI_PERUBAHAN"):
            applications.attach_document(s, app_id, token, upload(app_id, doc_type))
    with sessions() as s, s.begin():
        applications.submit(s, outbox, app_id, token)
    kinds = [kind for kind, _ in events_for(sessions, app_id)]
    assert kinds == ["application.status_changed", "application.submitted"]
    submitted = events_for(sessions, app_id)[1][1]
    assert submitted["round"] == 1 and len(submitted["documents"]) == 2

    now = datetime.now(UTC)
    decided = {"application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
               "decided_at": now}
    stale = {**decided, "round": 0, "decision": "REJECT"}
    with sessions() as s, s.begin():
        applications.apply_decision(s, outbox, stale)  # an earlier round: ignored
        applications.apply_decision(s, outbox, decided)
    with sessions() as s, s.begin():
        applications.apply_issued(s, outbox, {
            "application_id": uuid.UUID(app_id), "document_number": "3211-KK-2026-000001",
            "object_key": "3211-KK-2026-000001/x.pdf", "issued_at": now,
        })
    with sessions() as s:
        view = applications.view(s, app_id, token)
    assert [h["status"] for h in view["history"]] == ["DRAFT", "SUBMITTED", "APPROVED", "ISSUED"]
    pin_events = [d for k, d in events_for(sessions, app_id)
                  if k == "application.download_pin_issued"]
    assert len(pin_events) == 1
    with sessions() as s, s.begin():
        ref = applications.open_document(s, app_id, token, pin_events[0]["pin"])
    assert ref["document_number"] == "3211-KK-2026-000001"


def test_a_refused_submission_writes_nothing(sessions, outbox) -> None:
    with sessions() as s, s.begin():
        created = applications.create_application(
            s, outbox, application_payload(make_person(43))
        )
    with pytest.raises(Conflict), sessions() as s, s.begin():
        applications.submit(s, outbox, created["id"], created["access_token"])
    assert events_for(sessions, created["id"]) == []
    with sessions() as s:
        assert applications.view(s, created["id"], created["access_token"])["status"] == "DRAFT"
