"""Complaints and feedback on real PostgreSQL: filing, the citizen's view, staff answers, events."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake import complaints
from services.intake.applications import commands
from services.intake.models import Complaint
from silasidakep.contracts import parse_envelope
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.integration.conftest import INTAKE_OUTBOX as OUTBOX
from tests.support.forms import adult, application_payload
from tests.support.identities import make_person


def complaint_events(intake_sessions: sessionmaker, tracking_code: str) -> list[tuple[str, dict]]:
    with intake_sessions() as session:
        rows = session.execute(
            select(OUTBOX.c.envelope).where(OUTBOX.c.event_type.like("complaint.%"))
            .order_by(OUTBOX.c.created_at)
        ).all()
    found = []
    for (envelope,) in rows:
        _, data = parse_envelope(envelope, envelope["event_type"])
        if data["tracking_code"] == tracking_code:
            found.append((envelope["event_type"], data))
    return found


def payload(**changes) -> dict:
    person = make_person(7)
    return {
        "kind": "COMPLAINT", "category": "LAYANAN_LAMBAT",
        "message": "Permohonan saya belum diverifikasi padahal sudah lewat tiga hari kerja.",
        "name": person.name, "email": person.email, "phone": person.phone, **changes,
    }


def test_file_view_answer(intake_sessions, intake_outbox) -> None:
    seed = 90_001
    with intake_sessions() as s, s.begin():
        app = commands.create_application(
            s, intake_outbox, application_payload("KTP_BARU", adult(seed), seed)
        )
    with intake_sessions() as s, s.begin():
        filed = complaints.file_complaint(
            s, intake_outbox, payload(application_tracking_code=app["tracking_code"].lower())
        )
    code, token = filed["tracking_code"], filed["access_token"]
    assert re.fullmatch(r"ADU-[0-9A-HJKMNP-TV-Z]{8}", code) and filed["status"] == "OPEN"
    with intake_sessions() as s:
        stored = s.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        assert token not in stored.access_token_hash  # only the hash is kept
        seen = complaints.view(s, code, token)
    assert seen["status"] == "OPEN" and seen["application_tracking_code"] == app["tracking_code"]
    assert seen["category_label"] == "Layanan lambat" and "email" not in seen

    with pytest.raises(Forbidden), intake_sessions() as s:
        complaints.view(s, code, "bukan-token")
    with pytest.raises(NotFound), intake_sessions() as s:
        complaints.view(s, "ADU-00000000", token)

    with intake_sessions() as s:
        open_ones = complaints.list_for_staff(s, "OPEN")["complaints"]
    assert code in {c["tracking_code"] for c in open_ones}

    with intake_sessions() as s, s.begin():
        answered = complaints.answer(
            s, intake_outbox, code, "Mohon maaf, permohonan Anda sudah kami proses hari ini.",
            "supervisor.uji",
        )
    assert answered["status"] == "ANSWERED" and answered["answered_by"] == "supervisor.uji"
    with pytest.raises(Conflict) as again, intake_sessions() as s, s.begin():
        complaints.answer(s, intake_outbox, code, "Jawaban kedua.", "supervisor.uji")
    assert again.value.code == "ALREADY_ANSWERED"
    with intake_sessions() as s:
        assert complaints.view(s, code, token)["answer"].startswith("Mohon maaf")
        assert code not in {c["tracking_code"] for c in
                            complaints.list_for_staff(s, "OPEN")["complaints"]}

    sent = complaint_events(intake_sessions, code)
    assert [kind for kind, _ in sent] == ["complaint.filed", "complaint.answered"]
    assert sent[1][1]["answer"].startswith("Mohon maaf")
    assert sent[0][1]["recipient"]["email"] == payload()["email"]
    assert sent[0][1]["complaint_id"] == uuid.UUID(filed["id"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "PUJIAN"}, "kind"),
        ({"category": "CUACA"}, "category"),
        ({"message": "x" * 2001}, "message"),
        ({"message": "   pendek   "}, "message"),
        ({"email": "bukan-email"}, "email"),
        ({"application_tracking_code": "SLS-ZZZZZZZZ"}, "application_tracking_code"),
        ({"nik": "3211060101900001"}, "nik"),
    ],
)
def test_refused_complaints_write_nothing(intake_sessions, intake_outbox, changes, field) -> None:
    with pytest.raises(ValidationFailed) as refused, intake_sessions() as s, s.begin():
        complaints.file_complaint(s, intake_outbox, payload(**changes))
    assert field in refused.value.fields
    with intake_sessions() as s:
        assert s.execute(select(OUTBOX.c.event_id)
                         .where(OUTBOX.c.event_type == "complaint.filed")).first() is None


def test_feedback_without_an_application(intake_sessions, intake_outbox) -> None:
    with intake_sessions() as s, s.begin():
        filed = complaints.file_complaint(
            s, intake_outbox, payload(kind="FEEDBACK", category="SARAN", phone=None,
                               message="Mohon tambahkan jadwal perekaman pada hari Sabtu.")
        )
    ((kind, event),) = complaint_events(intake_sessions, filed["tracking_code"])
    assert kind == "complaint.filed" and event["kind"] == "FEEDBACK"
    assert event["application_tracking_code"] is None
    with pytest.raises(ValidationFailed), intake_sessions() as s:
        complaints.list_for_staff(s, "SEMUA")
