"""Intake follows printing's manual signing: APPROVED → AWAITING_SIGNATURE → ISSUED."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.intake.applications import commands, consumers, views
from silasidakep.errors import Conflict
from tests.integration.test_intake_service_layer import _submitted, events_for


def test_awaiting_signature_is_shown_then_issued(intake_sessions, intake_outbox) -> None:
    app_id, token = _submitted(intake_sessions, intake_outbox, "KK_PERUBAHAN", 71)
    now = datetime.now(UTC)
    app_uuid = uuid.UUID(app_id)
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, intake_outbox, {
            "application_id": app_uuid, "round": 1, "decision": "APPROVE", "decided_at": now})
    waiting = {"application_id": app_uuid, "document_number": "3211-KK-2026-000071",
               "document_type": "KK", "drafted_at": now + timedelta(seconds=1)}
    with intake_sessions() as s, s.begin():
        consumers.apply_awaiting_signature(s, intake_outbox, waiting)
        consumers.apply_awaiting_signature(s, intake_outbox, waiting)  # no second change
    with intake_sessions() as s:
        view = views.view(s, app_id, token)
    assert view["status"] == "AWAITING_SIGNATURE" and not view["can_cancel"]
    assert view["stage"]["label"] == "Menunggu tanda tangan"
    timeline = [(t["status"], t["state"]) for t in view["timeline"]]
    assert timeline[-3:] == [("APPROVED", "done"), ("AWAITING_SIGNATURE", "current"),
                             ("ISSUED", "upcoming")]
    with pytest.raises(Conflict), intake_sessions() as s, s.begin():
        commands.cancel(s, intake_outbox, app_id, token, "berubah pikiran")
    changes = [d["status"] for k, d in events_for(intake_sessions, app_id)
               if k == "application.status_changed"]
    assert changes.count("AWAITING_SIGNATURE") == 1

    with intake_sessions() as s, s.begin():
        consumers.apply_issued(s, intake_outbox, {
            "application_id": app_uuid, "document_number": "3211-KK-2026-000071",
            "object_key": "3211-KK-2026-000071/x.pdf", "issued_at": now + timedelta(seconds=2),
        })
        # A late awaiting-signature event (events may overtake each other) changes nothing.
        consumers.apply_awaiting_signature(s, intake_outbox, waiting)
    with intake_sessions() as s:
        view = views.view(s, app_id, token)
    assert [h["status"] for h in view["history"]][-3:] == [
        "APPROVED", "AWAITING_SIGNATURE", "ISSUED"]
