"""Intake follows the kecamatan print job (Cekatan) in job order, and records the delivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.intake.applications import commands, consumers, views
from silasidakep.errors import Forbidden, ValidationFailed
from tests.integration.test_intake_service_layer import _submitted, events_for
from tests.support import forms


def _issued(intake_sessions, intake_outbox, service_code: str, seed: int) -> tuple[str, str]:
    app_id, token = _submitted(intake_sessions, intake_outbox, service_code, seed)
    now = datetime.now(UTC)
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
            "decided_at": now})
    return app_id, token


def _change(app_id: str, seq: int, state: str) -> dict:
    return {"application_id": uuid.UUID(app_id), "job_id": uuid.uuid4(), "seq": seq,
            "state": state, "kecamatan_code": "32.11.06", "document_type": "KIA",
            "at": datetime.now(UTC) + timedelta(seconds=seq)}


def test_cards_always_go_to_the_kecamatan_and_a_bad_choice_is_refused(
    intake_sessions, intake_outbox
) -> None:
    payload = forms.application_payload("KIA", forms.adult(61), 61)
    with intake_sessions() as s, s.begin():
        created = commands.create_application(
            s, intake_outbox, {**payload, "delivery": "DOWNLOAD"})
    with intake_sessions() as s:
        assert views.view(s, created["id"], created["access_token"])["delivery"] == (
            "KECAMATAN")
    with pytest.raises(ValidationFailed), intake_sessions() as s, s.begin():
        commands.create_application(s, intake_outbox, {**payload, "delivery": "POS"})


def test_print_job_changes_apply_in_order(intake_sessions, intake_outbox) -> None:
    app_id, token = _issued(intake_sessions, intake_outbox, "KIA", 62)
    approved = [d for k, d in events_for(intake_sessions, app_id)
                if k == "application.issuance_requested"]
    assert approved[-1]["application"]["delivery"] == "KECAMATAN"
    assert approved[-1]["application"]["output"] == {"document": "KIA", "card": True}

    # Printing's change may overtake document.issued: it is retried, not lost.
    with pytest.raises(consumers.PrintJobAhead), intake_sessions() as s, s.begin():
        consumers.apply_print_job(s, intake_outbox, _change(app_id, 1, "AWAITING_BLANKO"))
    with intake_sessions() as s, s.begin():
        consumers.apply_issued(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "document_number": "3211-KIA-2026-000062",
            "object_key": "3211-KIA-2026-000062/x.pdf", "issued_at": datetime.now(UTC)})
    # A later change arriving before an earlier one waits for it, too.
    with pytest.raises(consumers.PrintJobAhead), intake_sessions() as s, s.begin():
        consumers.apply_print_job(s, intake_outbox, _change(app_id, 2, "QUEUED_AT_KECAMATAN"))
    for seq, state in ((1, "AWAITING_BLANKO"), (2, "QUEUED_AT_KECAMATAN"), (3, "PRINTED"),
                       (3, "PRINTED"), (4, "COLLECTED")):
        with intake_sessions() as s, s.begin():
            consumers.apply_print_job(s, intake_outbox, _change(app_id, seq, state))
    with intake_sessions() as s:
        view = views.view(s, app_id, token)
    assert [h["status"] for h in view["history"]][-5:] == [
        "ISSUED", "AWAITING_BLANKO", "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED"]
    assert [t["status"] for t in view["timeline"]][-5:] == [
        "ISSUED", "AWAITING_BLANKO", "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED"]
    changes = [d["status"] for k, d in events_for(intake_sessions, app_id)
               if k == "application.status_changed"]
    assert changes.count("PRINTED") == 1 and changes[-1] == "COLLECTED"
    # Downloading with the PIN stays possible after collection.
    with pytest.raises(Forbidden) as wrong, intake_sessions() as s, s.begin():
        commands.open_document(s, app_id, token, "000000x")
    assert wrong.value.code == "INVALID_PIN"  # not DOCUMENT_NOT_ISSUED
