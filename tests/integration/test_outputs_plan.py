"""Planning an application's documents on real PostgreSQL: the PLANNED rows commit with
application.issuance_requested, and kk_family reads the family of the last KK issued."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers
from services.intake.models import CitizenAccount
from services.intake.outputs import family_lookup
from services.intake.outputs.models import ApplicationOutput
from services.intake.outputs.plan import subject_hash
from silasidakep.audit_trail import Auditor
from silasidakep.auth import StaffPrincipal
from silasidakep.contracts import parse_envelope
from silasidakep.errors import Forbidden, NotFound, TooManyAttempts
from tests.integration.conftest import INTAKE_OUTBOX as OUTBOX
from tests.support.forms import adult, application_payload


@pytest.fixture
def outputs_table(intake_sessions: sessionmaker) -> None:
    # The table's migration is written separately; until it lands, create it here.
    with intake_sessions() as session, session.begin():
        ApplicationOutput.__table__.create(session.connection(), checkfirst=True)


def _upload(app_id: str, doc_type: str) -> dict:
    return {"doc_type": doc_type, "object_key": f"applications/{app_id}/{doc_type}/{uuid.uuid4()}",
            "content_type": "application/pdf", "size": 10, "sha256": "0" * 64}


def _approved(intake_sessions: sessionmaker, outbox, code: str, seed: int) -> tuple[str, dict]:
    payload = application_payload(code, adult(seed), seed)
    with intake_sessions() as s, s.begin():
        created = commands.create_application(s, outbox, payload)
    app_id, token = created["id"], created["access_token"]
    from services.intake.catalogue import get_service

    with intake_sessions() as s, s.begin():
        for doc_type in sorted(get_service(code).documents_required_for(payload["form"])):
            commands.attach_document(s, app_id, token, _upload(app_id, doc_type))
    with intake_sessions() as s, s.begin():
        commands.submit(s, outbox, app_id, token)
    decided = {"application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
               "decided_at": datetime.now(UTC)}
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, outbox, decided)
    return app_id, payload


def _events(intake_sessions: sessionmaker, app_id: str, kind: str) -> list[dict]:
    with intake_sessions() as session:
        rows = session.execute(select(OUTBOX.c.envelope)).all()
    found = []
    for (envelope,) in rows:
        if envelope["event_type"] == kind:
            _, data = parse_envelope(envelope, kind)
            if str(data["application_id"]) == app_id:
                found.append(data)
    return found


def test_approval_plans_every_output_with_the_event(intake_sessions, intake_outbox,
                                                    outputs_table) -> None:
    app_id, payload = _approved(intake_sessions, intake_outbox, "AKTA_MATI", 61)

    with intake_sessions() as s:
        rows = s.scalars(select(ApplicationOutput).where(
            ApplicationOutput.application_id == uuid.UUID(app_id))
            .order_by(ApplicationOutput.position)).all()
    assert [(r.position, r.output_key, r.state, r.kind) for r in rows] == [
        (0, "AKTA_MATI", "PLANNED", "ORIGINAL"), (1, "KK", "PLANNED", "ORIGINAL")]
    assert rows[1].subject_key_hash == subject_hash(payload["form"]["kk_number"])
    assert rows[0].content is None
    assert payload["form"]["deceased_nik"] not in {m["nik"] for m in rows[1].content["members"]}
    (submitted,) = _events(intake_sessions, app_id, "application.submitted")
    assert [o["key"] for o in submitted["outputs"]] == ["AKTA_MATI", "KK"]
    (requested,) = _events(intake_sessions, app_id, "application.issuance_requested")
    assert [o["key"] for o in requested["outputs"]] == ["AKTA_MATI", "KK"]
    assert requested["application"]["output"]["document"] == "AKTA_MATI"


def _issue_kk(intake_sessions: sessionmaker, app_id: str) -> None:
    """What the lifecycle does when printing reports the KK issued."""
    with intake_sessions() as s, s.begin():
        row = s.scalars(select(ApplicationOutput).where(
            ApplicationOutput.application_id == uuid.UUID(app_id),
            ApplicationOutput.output_key == "KK")).one()
        row.state, row.status = "ISSUED", "ACTIVE"
        row.document_number = f"3211-KK-2026-{uuid.uuid4().int % 999_999 + 1:06d}"
        row.issued_at = datetime.now(UTC)


def _account(intake_sessions: sessionmaker, nik: str | None) -> CitizenAccount:
    account = CitizenAccount(id=uuid.uuid4(), preferred_channel="EMAIL",
                             created_at=datetime.now(UTC), nik=nik,
                             nik_verified_at=datetime.now(UTC) if nik else None)
    with intake_sessions() as s, s.begin():
        s.add(account)
    return account


def _look(intake_sessions: sessionmaker, action):
    with intake_sessions() as s, s.begin():
        result, refusal = action(s)
    if refusal:
        raise refusal
    return result


def test_kk_family_for_a_member_and_a_front_office(intake_sessions, intake_outbox,
                                                  outputs_table) -> None:
    app_id, payload = _approved(intake_sessions, intake_outbox, "AKTA_MATI", 62)
    _issue_kk(intake_sessions, app_id)
    kk_number = payload["form"]["kk_number"]
    head_nik = payload["form"]["members"][0]["nik"]
    member = _account(intake_sessions, head_nik)
    stranger = _account(intake_sessions, None)
    at = datetime.now(UTC)

    found = _look(intake_sessions,
                  lambda s: family_lookup.for_citizen(s, member, kk_number, at))
    assert found["address"] == payload["form"]["address"]
    assert [m["nik"] for m in found["members"]] == [head_nik]  # the deceased is gone

    with pytest.raises(Forbidden) as refused:
        _look(intake_sessions, lambda s: family_lookup.for_citizen(s, stranger, kk_number, at))
    assert refused.value.code == "NOT_ON_KK"
    with pytest.raises(NotFound) as missing:
        _look(intake_sessions,
              lambda s: family_lookup.for_citizen(s, member, "3211000000000001", at))
    assert missing.value.code == "FAMILY_NOT_FOUND"

    staff = StaffPrincipal(staff_id=uuid.uuid4(), username="loket.sintetis",
                           roles=frozenset({"front_office"}), location_code="MPP-01")
    auditor = Auditor(intake_outbox, staff, "10.0.0.1")
    found = _look(intake_sessions, lambda s: family_lookup.for_staff(s, auditor, kk_number, at))
    assert found["members"][0]["nik"] == head_nik
    with intake_sessions() as s:
        audits = [e for (e,) in s.execute(select(OUTBOX.c.envelope)).all()
                  if e["event_type"] == "intake.audit_recorded"
                  and e["data"]["action"] == "VIEW_FAMILY"]
    assert audits and head_nik not in str(audits) and kk_number not in str(audits)


def test_twenty_lookups_an_hour_per_account(intake_sessions, intake_outbox,
                                            outputs_table) -> None:
    account = _account(intake_sessions, None)
    at = datetime.now(UTC)
    for _ in range(20):
        with pytest.raises(NotFound):
            _look(intake_sessions,
                  lambda s: family_lookup.for_citizen(s, account, "3211000000000002", at))
    with pytest.raises(TooManyAttempts) as limited:
        _look(intake_sessions,
              lambda s: family_lookup.for_citizen(s, account, "3211000000000002", at))
    assert limited.value.code == "TOO_MANY_LOOKUPS"
    later = at + timedelta(hours=1, seconds=1)
    with pytest.raises(NotFound):
        _look(intake_sessions,
              lambda s: family_lookup.for_citizen(s, account, "3211000000000002", later))
