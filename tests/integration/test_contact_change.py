"""Issue 13 on real PostgreSQL: a new email or phone on an application waits for a code sent to
it, a wrong code is counted, the right one applies the change and tells the old contact, and
the download PIN then goes to the new contact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers, contact_change, views
from services.intake.models import Application, OneTimeCode
from silasidakep.contracts import parse_envelope
from silasidakep.db import Outbox
from silasidakep.errors import DomainError, ValidationFailed
from tests.integration.conftest import INTAKE_OUTBOX as OUTBOX
from tests.support.citizen import application_payload
from tests.support.identities import make_person

CLIENT = {"ip": "198.51.100.9"}
NEW_EMAIL = "pemilik.baru@example.id"


def write(sessions: sessionmaker, action: Any) -> Any:
    with sessions() as session, session.begin():
        return action(session)


def events(sessions: sessionmaker, event_type: str) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.execute(select(OUTBOX.c.envelope).order_by(OUTBOX.c.created_at)).all()
    return [parse_envelope(e, event_type)[1] for (e,) in rows if e["event_type"] == event_type]


def confirm(sessions: sessionmaker, outbox: Outbox, created: dict, code: str) -> Any:
    """What the RPC does: commit what confirm wrote (a counted failure too), then raise."""
    result, refusal = write(sessions, lambda s: contact_change.confirm(
        s, outbox, created["id"], created["access_token"], code))
    if refusal is not None:
        raise refusal
    return result


def patch(sessions: sessionmaker, outbox: Outbox, created: dict, changes: dict) -> dict:
    return write(sessions, lambda s: commands.update_application(
        s, outbox, created["id"], created["access_token"], changes, CLIENT))


def free_limits(sessions: sessionmaker) -> None:
    write(sessions, lambda s: s.execute(
        update(OneTimeCode).values(created_at=OneTimeCode.created_at - timedelta(days=2))
    ))


@pytest.fixture
def created(intake_sessions, intake_outbox) -> dict[str, Any]:
    person = make_person(9131)
    return {**write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, application_payload(person))), "person": person}


def test_a_new_email_waits_for_its_code_then_the_old_one_is_told_and_the_pin_follows(
    intake_sessions, intake_outbox, created
):
    person = created["person"]
    form = {**application_payload(person)["form"], "rt_rw": "003/007"}
    seen = patch(intake_sessions, intake_outbox, created, {"email": NEW_EMAIL, "form": form})
    # Not applied: the answer shows the pending change masked; the form applied at once.
    assert seen["applicant"]["email"] == person.email and seen["form"]["rt_rw"] == "003/007"
    assert seen["pending_contact"] == {"field": "email", "value_masked": "pe***@example.id",
                                       "code_sent_to": "pe***@example.id"}
    sent = events(intake_sessions, "citizen.code_requested")[-1]
    assert sent["purpose"] == "APPLICATION_CONTACT"
    assert sent["tracking_code"] == created["tracking_code"]
    assert sent["recipient"]["email"] == NEW_EMAIL and sent["recipient"]["channels"] == ["EMAIL"]
    assert sent["recipient"]["phone"] is None

    # A wrong code is refused, and counted even though the call fails.
    wrong = "000000" if sent["code"] != "000000" else "111111"
    with pytest.raises(ValidationFailed) as refused:
        confirm(intake_sessions, intake_outbox, created, wrong)
    assert refused.value.code == "CODE_INVALID"
    with intake_sessions() as s:
        assert s.scalars(select(OneTimeCode.failures).where(
            OneTimeCode.purpose == "APPLICATION_CONTACT")).all() == [1]
        assert views.view(s, created["id"], created["access_token"])["applicant"][
            "email"] == person.email
    assert events(intake_sessions, "application.contact_changed") == []

    changed = confirm(intake_sessions, intake_outbox, created, sent["code"])
    assert changed["applicant"]["email"] == NEW_EMAIL and changed["pending_contact"] is None
    (told,) = events(intake_sessions, "application.contact_changed")
    assert told["application_id"] == uuid.UUID(created["id"]) and told["field"] == "email"
    assert told["value_masked"] == "pe***@example.id"
    assert told["recipient"]["email"] == person.email  # the OLD address
    assert told["recipient"]["channels"] == ["EMAIL", "INBOX"]
    # The code is spent.
    with pytest.raises(DomainError) as again:
        confirm(intake_sessions, intake_outbox, created, sent["code"])
    assert again.value.code == "NO_PENDING_CONTACT"

    # The download PIN goes to the new address.
    app_id = uuid.UUID(created["id"])
    write(intake_sessions, lambda s: s.execute(
        update(Application).where(Application.id == app_id)
        .values(status="APPROVED")))
    write(intake_sessions, lambda s: consumers.apply_issued(s, intake_outbox, {
        "application_id": app_id, "document_number": "3211-KK-2026-009131",
        "object_key": "3211-KK-2026-009131/x.pdf", "issued_at": datetime.now(UTC),
    }))
    (pin,) = events(intake_sessions, "application.download_pin_issued")
    assert pin["recipient"]["email"] == NEW_EMAIL


def test_refusals_no_ops_and_removal(intake_sessions, intake_outbox, created):
    person = created["person"]
    with pytest.raises(ValidationFailed) as both:
        patch(intake_sessions, intake_outbox, created,
              {"email": NEW_EMAIL, "phone": "081299990000"})
    assert both.value.code == "ONE_CONTACT_AT_A_TIME"
    # The current values: nothing to confirm, no code.
    same = patch(intake_sessions, intake_outbox, created,
                 {"email": person.email, "phone": person.phone})
    assert same["pending_contact"] is None
    assert events(intake_sessions, "citizen.code_requested") == []

    # Removing the email: the code goes to the phone that remains, the email is told.
    removing = patch(intake_sessions, intake_outbox, created, {"email": None})
    assert removing["applicant"]["email"] == person.email
    assert removing["pending_contact"]["value_masked"] is None
    sent = events(intake_sessions, "citizen.code_requested")[-1]
    assert sent["recipient"]["phone"] == person.phone and sent["recipient"]["email"] is None
    assert sent["recipient"]["channels"] == ["WHATSAPP"]
    # Asking again at once is limited like every code.
    with pytest.raises(DomainError) as limited:
        patch(intake_sessions, intake_outbox, created, {"email": None})
    assert limited.value.code == "TOO_MANY_CODES"
    # Five wrong codes lock it.
    wrong = "000000" if sent["code"] != "000000" else "111111"
    codes_seen = []
    for _ in range(5):
        with pytest.raises(ValidationFailed) as refused:
            confirm(intake_sessions, intake_outbox, created, wrong)
        codes_seen.append(refused.value.code)
    assert codes_seen == ["CODE_INVALID"] * 4 + ["CODE_LOCKED"]
    with pytest.raises(ValidationFailed) as locked:
        confirm(intake_sessions, intake_outbox, created, sent["code"])
    assert locked.value.code == "CODE_LOCKED"
    # A new code (the same change asked again) works.
    free_limits(intake_sessions)
    patch(intake_sessions, intake_outbox, created, {"email": None})
    fresh = events(intake_sessions, "citizen.code_requested")[-1]["code"]
    removed = confirm(intake_sessions, intake_outbox, created, fresh)
    assert removed["applicant"]["email"] is None
    (told,) = events(intake_sessions, "application.contact_changed")
    assert told["value_masked"] is None and told["recipient"]["email"] == person.email
    # Now the phone is the only contact: it cannot be removed.
    with pytest.raises(ValidationFailed) as none_left:
        patch(intake_sessions, intake_outbox, created, {"phone": None})
    assert none_left.value.code == "CONTACT_REQUIRED"
