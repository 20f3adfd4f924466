"""Intake's service layer on real PostgreSQL: each state change and its events commit together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers, presence, views
from services.intake.catalogue import get_service
from silasidakep.contracts import parse_envelope
from silasidakep.errors import Conflict
from tests.integration.conftest import INTAKE_OUTBOX as OUTBOX
from tests.support import forms
from tests.support.citizen import application_payload
from tests.support.identities import make_person


def events_for(intake_sessions: sessionmaker, app_id: str) -> list[tuple[str, dict]]:
    with intake_sessions() as session:
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


def test_submission_records_status_and_events_then_follows_the_pipeline(
    intake_sessions, intake_outbox
):
    with intake_sessions() as s, s.begin():
        created = commands.create_application(
            s, intake_outbox, application_payload(make_person(42))
        )
    app_id, token = created["id"], created["access_token"]
    with intake_sessions() as s, s.begin():
        for doc_type in ("KK_LAMA", "BUKTI_PERUBAHAN"):
            commands.attach_document(s, app_id, token, upload(app_id, doc_type))
    with intake_sessions() as s, s.begin():
        commands.submit(s, intake_outbox, app_id, token)
    kinds = [kind for kind, _ in events_for(intake_sessions, app_id)]
    assert kinds == ["application.status_changed", "application.submitted"]
    submitted = events_for(intake_sessions, app_id)[1][1]
    assert submitted["round"] == 1 and len(submitted["documents"]) == 2
    # What printing needs travels in the snapshot: the output and whom it is about.
    person = make_person(42)
    assert submitted["application"]["output"] == {"document": "KK", "card": False}
    assert submitted["application"]["subject"]["key"] == person.kk_number

    now = datetime.now(UTC)
    decided = {"application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
               "decided_at": now}
    stale = {**decided, "round": 0, "decision": "REJECT"}
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, intake_outbox, stale)  # an earlier round: ignored
        consumers.apply_decision(s, intake_outbox, decided)
    with intake_sessions() as s, s.begin():
        consumers.apply_issued(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "document_number": "3211-KK-2026-000001",
            "object_key": "3211-KK-2026-000001/x.pdf", "issued_at": now,
        })
    with intake_sessions() as s:
        view = views.view(s, app_id, token)
    assert [h["status"] for h in view["history"]] == ["DRAFT", "SUBMITTED", "APPROVED", "ISSUED"]
    pin_events = [d for k, d in events_for(intake_sessions, app_id)
                  if k == "application.download_pin_issued"]
    assert len(pin_events) == 1
    with intake_sessions() as s, s.begin():
        ref = commands.open_document(s, app_id, token, pin_events[0]["pin"])
    assert ref["document_number"] == "3211-KK-2026-000001"


def test_a_refused_submission_writes_nothing(intake_sessions, intake_outbox) -> None:
    with intake_sessions() as s, s.begin():
        created = commands.create_application(
            s, intake_outbox, application_payload(make_person(43))
        )
    with pytest.raises(Conflict), intake_sessions() as s, s.begin():
        commands.submit(s, intake_outbox, created["id"], created["access_token"])
    assert events_for(intake_sessions, created["id"]) == []
    with intake_sessions() as s:
        assert views.view(s, created["id"], created["access_token"])["status"] == "DRAFT"


def _submitted(intake_sessions, intake_outbox, service_code: str, seed: int) -> tuple[str, str]:
    payload = forms.application_payload(service_code, forms.adult(seed), seed)
    with intake_sessions() as s, s.begin():
        created = commands.create_application(s, intake_outbox, payload)
    app_id, token = created["id"], created["access_token"]
    needed = get_service(service_code).documents_required_for(payload["form"])
    with intake_sessions() as s, s.begin():
        for doc_type in needed:
            commands.attach_document(s, app_id, token, upload(app_id, doc_type))
    with intake_sessions() as s, s.begin():
        commands.submit(s, intake_outbox, app_id, token)
    return app_id, token


def test_biometrics_hold_issuance_until_recorded(intake_sessions, intake_outbox) -> None:
    app_id, token = _submitted(intake_sessions, intake_outbox, "KTP_BARU", 51)
    now = datetime.now(UTC)
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
            "decided_at": now})
    kinds = [kind for kind, _ in events_for(intake_sessions, app_id)]
    assert "application.issuance_requested" not in kinds
    with intake_sessions() as s:
        view = views.view(s, app_id, token)
    assert view["status"] == "AWAITING_BIOMETRICS" and not view["can_edit"]
    assert view["presence"][0] == {"step": "BIOMETRICS", "label": view["presence"][0]["label"],
                                   "done_at": None}
    with intake_sessions() as s, s.begin():
        presence.record_presence(s, intake_outbox, app_id, "BIOMETRICS", now)
    requested = [d for k, d in events_for(intake_sessions, app_id)
                 if k == "application.issuance_requested"]
    assert len(requested) == 1
    assert requested[0]["application"]["output_document"] == "KTP_EL"
    assert requested[0]["application"]["output"] == {"document": "KTP_EL", "card": True}
    applicant = requested[0]["application"]["applicant"]
    assert requested[0]["application"]["subject"] == {
        "key": applicant["nik"], "name": applicant["name"], "nik": applicant["nik"]}
    with intake_sessions() as s:
        assert views.view(s, app_id, token)["status"] == "APPROVED"


def test_revision_names_what_to_fix_and_requires_new_uploads(
    intake_sessions, intake_outbox
) -> None:
    app_id, token = _submitted(intake_sessions, intake_outbox, "PINDAH_KELUAR", 52)
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "round": 1, "decision": "REQUEST_REVISION",
            "reason_code": "DOKUMEN_TIDAK_TERBACA", "reason_text": "Buram.",
            "fix_fields": ["form.destination_rt_rw"], "fix_documents": ["KK"],
            "decided_at": datetime.now(UTC)})
    changed = [d for k, d in events_for(intake_sessions, app_id)
               if k == "application.status_changed"][-1]
    assert changed["fix_labels"] == ["RT/RW tujuan", "Kartu Keluarga"]
    with intake_sessions() as s, pytest.raises(Conflict) as stale:
        commands.submit(s, intake_outbox, app_id, token)
    assert stale.value.code == "REVISION_DOCUMENTS_NOT_REPLACED"
    with intake_sessions() as s, s.begin():
        commands.attach_document(s, app_id, token, upload(app_id, "KK"))
        commands.submit(s, intake_outbox, app_id, token)
    with intake_sessions() as s:
        view = views.view(s, app_id, token)
    assert view["status"] == "SUBMITTED" and view["round"] == 2
    assert len([d for d in view["uploads"] if d["doc_type"] == "KK"]) == 1


def test_a_cancelled_application_tells_verification(intake_sessions, intake_outbox) -> None:
    app_id, token = _submitted(intake_sessions, intake_outbox, "BIODATA", 53)
    with intake_sessions() as s, s.begin():
        commands.cancel(s, intake_outbox, app_id, token, "Tidak jadi.")
    cancelled = [d for k, d in events_for(intake_sessions, app_id)
                 if k == "application.cancelled"]
    assert [c["round"] for c in cancelled] == [1]
    with intake_sessions() as s, pytest.raises(Conflict) as again:
        commands.cancel(s, intake_outbox, app_id, token)
    assert again.value.code == "NOT_CANCELLABLE"
