"""One audit chain for every service: the event routing, the chain entry of another service's
event, and what the citizen's access log shows (no database: see tests/e2e for the system)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from services.intake import access_labels, access_log
from services.verification import audit_inbox
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.auth import StaffPrincipal
from silasidakep.contracts import (
    SUBSCRIPTIONS,
    ContractViolation,
    audit_event_type,
    build_envelope,
)

OPERATOR = StaffPrincipal(uuid.uuid4(), "operator1", frozenset({"kecamatan_operator"}),
                          kecamatan_code="32.11.06")


class FakeOutbox:
    producer = "printing"

    def __init__(self) -> None:
        self.added: list[tuple[str, dict[str, Any]]] = []

    def add(self, session: Any, event_type: str, data: dict[str, Any]) -> uuid.UUID:
        build_envelope(event_type, self.producer, data)  # the contract holds
        self.added.append((event_type, data))
        return uuid.uuid4()


def consumers_of(event_type: str) -> set[str]:
    return {s.consumer for s in SUBSCRIPTIONS if s.event_type == event_type}


def test_the_chain_takes_every_other_service_and_intake_every_service_but_itself() -> None:
    assert consumers_of("intake.audit_recorded") == {"verification"}
    assert consumers_of("verification.audit_recorded") == {"intake"}
    assert consumers_of("printing.audit_recorded") == {"verification", "intake"}
    assert consumers_of("notification.audit_recorded") == {"verification", "intake"}


def test_an_auditor_records_the_principal_without_personal_data() -> None:
    outbox = FakeOutbox()
    app_id = uuid.uuid4()
    Auditor(outbox, OPERATOR).record(None, "MARK_PRINTED", application_id=app_id,
                                     detail="job=1")
    record_with(None, None, "IGNORED")  # no auditor: nothing recorded
    [(event_type, data)] = outbox.added
    assert event_type == "printing.audit_recorded"
    assert data["roles"] == ["kecamatan_operator"] and data["office"] == "32.11.06"
    assert data["application_id"] == app_id and data["username"] == "operator1"


def envelope(producer: str, **data: Any) -> dict[str, Any]:
    entry = {"at": datetime(2026, 11, 28, 4, 0, tzinfo=UTC), "action": "VIEW_SUKET", **data}
    return build_envelope(audit_event_type(producer), producer, entry)


def test_the_chain_entry_keeps_source_and_original_time_within_200_characters() -> None:
    at = datetime(2026, 11, 28, 4, 19, 54, 325236, tzinfo=UTC)
    assert audit_inbox.origin("printing", at, "32.11.06", "job=1") == (
        "source=printing at=2026-11-28T04:19:54.325236+00:00 office=32.11.06 | job=1")
    assert audit_inbox.origin("notification", at, None, None) == (
        "source=notification at=2026-11-28T04:19:54.325236+00:00")
    assert len(audit_inbox.origin("intake", at, "32.11.06", "x" * 200)) == 200


def test_a_service_cannot_speak_for_another_or_for_the_chain_owner() -> None:
    source, _, data = audit_inbox.parse(envelope("printing"))
    assert source == "printing" and data["action"] == "VIEW_SUKET"
    forged = envelope("printing")
    forged["producer"] = "notification"
    with pytest.raises(ContractViolation):
        audit_inbox.parse(forged)
    with pytest.raises(ContractViolation):
        audit_inbox.parse(envelope("verification"))
    with pytest.raises(ContractViolation):
        access_log.parse_recorded(envelope("intake"))  # intake writes its own locally
    assert access_log.parse_recorded(envelope("verification"))[0] == "verification"


def test_the_citizen_sees_office_and_role_in_indonesian_and_a_name_only_when_chosen() -> None:
    row = SimpleNamespace(at=datetime(2026, 11, 28, 4, 0, tzinfo=UTC), action="MARK_COLLECTED",
                          office="32.11.06", roles=["kecamatan_operator"], source="printing",
                          username="operator1")
    plain = access_log.entry_view(row, with_names=False)
    assert plain["office_name"] == "Kecamatan Situraja"
    assert plain["role_labels"] == ["Operator kecamatan"]
    assert plain["action_label"] == "Menyerahkan dokumen kepada pemohon"
    assert "username" not in plain
    assert access_log.entry_view(row, with_names=True)["username"] == "operator1"
    assert access_labels.office_name(None) == access_labels.DINAS_OFFICE
    assert access_labels.role_labels([]) == ["Sistem"]
    assert access_labels.action_label("SOMETHING_NEW") == access_labels.OTHER_ACTION


def test_staff_names_are_off_unless_the_dinas_sets_them_on() -> None:
    assert access_log.show_staff_names({}) is False
    assert access_log.show_staff_names({"ACCESS_LOG_SHOW_STAFF_NAMES": "0"}) is False
    assert access_log.show_staff_names({"ACCESS_LOG_SHOW_STAFF_NAMES": "1"}) is True
