"""Assisted intake at the counter on real PostgreSQL: the channel of the desk's location, the
location binding (WRONG_LOCATION), the same validation as online, audit entries naming the
location, and nothing written on a refusal."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import assisted, commands
from services.intake.appointments import booking, locations
from services.intake.models import Application, Appointment
from silasidakep.audit_trail import Auditor
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc, today_wib
from silasidakep.contracts import parse_envelope
from silasidakep.db import Outbox
from silasidakep.errors import Forbidden, ValidationFailed
from tests.integration.conftest import INTAKE_OUTBOX as OUTBOX
from tests.support.forms import adult, application_payload

_seeds = iter(range(150_000, 160_000))
KTP = "KTP_BARU"  # documents: KK; presence: BIOMETRICS, COLLECTION


def desk_auditor(outbox: Outbox, location: str | None) -> Auditor:
    principal = StaffPrincipal(uuid.uuid4(), "loket.uji", frozenset({"front_office"}),
                               location_code=location)
    return Auditor(outbox, principal, "203.0.113.7")


def place(sessions: sessionmaker, kind: str, kecamatan: str | None = None,
          steps: list[str] | None = None) -> str:
    code = f"{kind[:3]}-{uuid.uuid4().hex[:8].upper()}"
    with sessions() as s, s.begin():
        locations.create_location(s, {
            "code": code, "name": f"Loket uji {code}", "kind": kind, "kecamatan_code": kecamatan,
            "address": "Jalan Uji No. 1", "steps": steps if steps is not None else ["BIOMETRICS"],
        })
    return code


def payload(service: str = KTP, **applicant: Any) -> dict[str, Any]:
    seed = next(_seeds)
    body = application_payload(service, adult(seed), seed)
    body["applicant"] = {**body["applicant"], **applicant}
    return body


def counts(sessions: sessionmaker) -> tuple[int, int]:
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(Application)),
                s.scalar(select(func.count()).select_from(OUTBOX)))


def audit_entries(sessions: sessionmaker, application_id: str) -> list[dict]:
    with sessions() as s:
        rows = s.execute(select(OUTBOX.c.envelope)
                         .where(OUTBOX.c.event_type == "intake.audit_recorded")
                         .order_by(OUTBOX.c.created_at)).all()
    found = [parse_envelope(e, "intake.audit_recorded")[1] for (e,) in rows]
    return [d for d in found if str(d["application_id"]) == application_id]


def upload(app_id: str, doc_type: str) -> dict[str, Any]:
    return {"doc_type": doc_type, "object_key": f"applications/{app_id}/{doc_type}/{uuid.uuid4()}",
            "content_type": "application/pdf", "size": 10,
            "sha256": hashlib.sha256(b"x").hexdigest()}


@pytest.mark.parametrize(("kind", "kecamatan", "channel"), [
    ("MPP", None, "LOKET_MPP"), ("KECAMATAN", "32.11.06", "KECAMATAN"),
    ("DESA", "32.11.06", "DESA"),
])
def test_the_desk_files_with_its_locations_channel(intake_sessions, intake_outbox, kind,
                                                   kecamatan, channel) -> None:
    code = place(intake_sessions, kind, kecamatan, [] if kind == "DESA" else None)
    auditor = desk_auditor(intake_outbox, code)
    with intake_sessions() as s, s.begin():
        created = assisted.create(s, intake_outbox, auditor, {**payload(), "location_code": code})
    assert created["channel"] == channel and created["location_code"] == code
    assert created["access_token"] and created["status"] == "DRAFT"
    with intake_sessions() as s:
        app = s.get(Application, uuid.UUID(created["id"]))
        assert (app.channel, app.filed_at_location) == (channel, code)
        # A walk-in with a phone hears by WhatsApp unless the desk chose otherwise.
        assert app.notify_channels[0] == "WHATSAPP"
    [entry] = audit_entries(intake_sessions, created["id"])
    assert entry["action"] == "FRONT_OFFICE_CREATE" and entry["username"] == "loket.uji"
    assert f"location={code}" in entry["detail"] and f"channel={channel}" in entry["detail"]


def test_the_whole_counter_visit(intake_sessions, intake_outbox) -> None:
    code = place(intake_sessions, "MPP")
    auditor = desk_auditor(intake_outbox, code)
    with intake_sessions() as s, s.begin():
        created = assisted.create(s, intake_outbox, auditor, payload(email=None))
    app_id = created["id"]
    with intake_sessions() as s, s.begin():
        assert assisted.check_upload(s, auditor, app_id, "KK") == {"doc_type": "KK"}
        assisted.attach(s, auditor, app_id, upload(app_id, "KK"))
    with intake_sessions() as s, s.begin():
        assert assisted.submit(s, intake_outbox, auditor, app_id)["status"] == "SUBMITTED"
    with intake_sessions() as s, s.begin():
        seen = assisted.view(s, auditor, app_id)
    assert seen["channel"] == "LOKET_MPP" and seen["filed_at_location"] == code
    day = today_wib(now_utc()) + timedelta(days=1)
    with intake_sessions() as s, s.begin():
        locations.create_slots(s, code, {
            "from": day.isoformat(), "to": day.isoformat(), "windows": ["08:00-10:00"],
            "capacity": 5, "include_weekends": True, "include_holidays": True,
        })
    with intake_sessions() as s:
        slot_id = booking.list_slots(s, code, day.isoformat(), day.isoformat())["slots"][0]["id"]
    with intake_sessions() as s, s.begin():
        booked = assisted.book(s, intake_outbox, auditor, app_id, "BIOMETRICS", slot_id)
    assert booked["step"] == "BIOMETRICS"
    with intake_sessions() as s, s.begin():
        receipt = assisted.receipt(s, auditor, app_id, created["access_token"])
    assert receipt["tracking_code"] == created["tracking_code"]
    assert receipt["location"]["code"] == code and receipt["documents"]
    assert receipt["access_token"] == created["access_token"] and receipt["applicant"]["has_phone"]
    actions = [e["action"] for e in audit_entries(intake_sessions, app_id)]
    assert actions == ["FRONT_OFFICE_CREATE", "FRONT_OFFICE_UPLOAD", "FRONT_OFFICE_SUBMIT",
                       "FRONT_OFFICE_VIEW", "FRONT_OFFICE_BOOK", "FRONT_OFFICE_RECEIPT"]
    # The submitted event carries the channel (the verifier sees a desk scanned it).
    with intake_sessions() as s:
        [(envelope,)] = s.execute(select(OUTBOX.c.envelope).where(
            OUTBOX.c.event_type == "application.submitted")).all()
    snapshot = parse_envelope(envelope, "application.submitted")[1]["application"]
    assert (snapshot["channel"], snapshot["filed_at_location"]) == ("LOKET_MPP", code)
    with pytest.raises(Forbidden) as wrong, intake_sessions() as s, s.begin():
        assisted.receipt(s, auditor, app_id, "bukan-token")
    assert wrong.value.code == "INVALID_TOKEN"


def test_another_desk_is_refused_and_nothing_is_written(intake_sessions, intake_outbox) -> None:
    mine, other = place(intake_sessions, "MPP"), place(intake_sessions, "KECAMATAN", "32.11.01")
    auditor = desk_auditor(intake_outbox, mine)
    before = counts(intake_sessions)
    with pytest.raises(Forbidden) as refused, intake_sessions() as s, s.begin():
        assisted.create(s, intake_outbox, auditor, {**payload(), "location_code": other})
    assert refused.value.code == "WRONG_LOCATION" and counts(intake_sessions) == before
    with pytest.raises(Forbidden) as unbound, intake_sessions() as s, s.begin():
        assisted.create(s, intake_outbox, desk_auditor(intake_outbox, None), payload())
    assert unbound.value.code == "NO_LOCATION" and counts(intake_sessions) == before

    # The other desk's application (and an online one) cannot be touched from here.
    with intake_sessions() as s, s.begin():
        theirs = assisted.create(s, intake_outbox, desk_auditor(intake_outbox, other), payload())
        online = commands.create_application(s, intake_outbox, payload())
    for app_id in (theirs["id"], online["id"]):
        for act in (lambda s, a=app_id: assisted.submit(s, intake_outbox, auditor, a),
                    lambda s, a=app_id: assisted.attach(s, auditor, a, upload(a, "KK")),
                    lambda s, a=app_id: assisted.view(s, auditor, a)):
            with pytest.raises(Forbidden) as elsewhere, intake_sessions() as s, s.begin():
                act(s)
            assert elsewhere.value.code == "WRONG_LOCATION"
    with intake_sessions() as s:
        assert not s.scalars(select(Appointment).where(
            Appointment.application_id == uuid.UUID(theirs["id"]))).all()
        assert s.get(Application, uuid.UUID(theirs["id"])).status == "DRAFT"


@pytest.mark.parametrize("applicant", [
    {"nik": "123"}, {"kk_number": "32110612"}, {"email": None, "phone": None},
    {"kecamatan_code": "99.99.99"},
])
def test_invalid_applicant_data_is_refused_like_online(intake_sessions, intake_outbox,
                                                       applicant) -> None:
    auditor = desk_auditor(intake_outbox, place(intake_sessions, "MPP"))
    body = payload(**applicant)
    with pytest.raises(ValidationFailed) as online, intake_sessions() as s, s.begin():
        commands.create_application(s, intake_outbox, body)
    before = counts(intake_sessions)
    with pytest.raises(ValidationFailed) as counter, intake_sessions() as s, s.begin():
        assisted.create(s, intake_outbox, auditor, body)
    assert (counter.value.code, counter.value.fields) == (online.value.code, online.value.fields)
    assert counts(intake_sessions) == before


@pytest.mark.parametrize("claimed", ["DESA", "LOKET_MPP", "KECAMATAN", "SUPER_APP"])
def test_an_online_citizen_cannot_claim_another_channel(intake_sessions, intake_outbox,
                                                        claimed) -> None:
    before = counts(intake_sessions)
    with pytest.raises(Forbidden) as refused, intake_sessions() as s, s.begin():
        commands.create_application(s, intake_outbox, {**payload(), "channel": claimed})
    assert refused.value.code == "CHANNEL_NOT_ALLOWED" and counts(intake_sessions) == before
    with intake_sessions() as s, s.begin():
        created = commands.create_application(s, intake_outbox, {**payload(), "channel": "ONLINE"})
    with intake_sessions() as s:
        assert s.get(Application, uuid.UUID(created["id"])).channel == "ONLINE"
