"""The document lifecycle's plain rules (issue 16): which document an event or a download names,
the application's Cekatan status over several print jobs, what the view shows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.intake.domain.status import S, cekatan_status, route
from services.intake.models import Application
from services.intake.outputs import lifecycle
from services.intake.outputs.models import ApplicationOutput
from silasidakep.errors import Conflict, NotFound

AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def _row(position: int, key: str, *, number: str | None = None, state: str = "ISSUED",
         status: str | None = "ACTIVE", card: bool = False, **extra) -> ApplicationOutput:
    return ApplicationOutput(
        id=uuid.uuid4(), application_id=uuid.UUID(int=1), position=position, output_key=key,
        document_type=key, card=card, kind="ORIGINAL", replaces=None, subject_key_hash="0" * 64,
        planned_at=AT, state=state, status=status if state == "ISSUED" else None,
        document_number=number, object_key=f"{number}/x.pdf" if number else None,
        issued_at=AT if state == "ISSUED" else None, print_seq=0, **extra)


def _three() -> list[ApplicationOutput]:
    return [_row(0, "AKTA_LAHIR", number="3211-AL-2026-000001"),
            _row(1, "KK", number="3211-KK-2026-000002"),
            _row(2, "KIA", number="3211-KIA-2026-000003", card=True)]


def test_an_event_without_output_key_or_number_names_the_principal_document() -> None:
    rows = _three()
    assert lifecycle.by_key(rows, None) is rows[0]
    assert lifecycle.by_key(rows, "KIA") is rows[2]
    assert lifecycle.by_number(rows, None) is rows[0]
    assert lifecycle.by_number(rows, "3211-KK-2026-000002") is rows[1]
    assert lifecycle.by_number(rows, "3211-KK-2026-999999") is None
    assert lifecycle.all_issued(rows)
    assert not lifecycle.all_issued([*rows[:2], _row(2, "KIA", state="PLANNED")])
    assert not lifecycle.all_issued([])


def test_the_least_advanced_job_is_the_application_status() -> None:
    assert cekatan_status(["PRINTED", "QUEUED_AT_KECAMATAN"]) == S.QUEUED_AT_KECAMATAN
    assert cekatan_status(["QUEUED_AT_KECAMATAN", "AWAITING_BLANKO"]) == S.AWAITING_BLANKO
    assert cekatan_status(["COLLECTED", "COLLECTED"]) == S.COLLECTED
    assert cekatan_status(["COLLECTED", "CANCELLED"]) == S.COLLECTED  # a revoked one leaves
    assert cekatan_status(["PRINTED", None]) is None  # a job not announced yet: wait
    assert cekatan_status(["CANCELLED"]) is None and cekatan_status([]) is None


def test_several_steps_ahead_pass_each_step_between() -> None:
    assert route(S.ISSUED, S.PRINTED) == [S.QUEUED_AT_KECAMATAN, S.PRINTED]
    assert route(S.QUEUED_AT_KECAMATAN, S.COLLECTED) == [S.PRINTED, S.COLLECTED]
    assert route(S.AWAITING_BLANKO, S.PRINTED) == [S.QUEUED_AT_KECAMATAN, S.PRINTED]
    assert route(S.PRINTED, S.QUEUED_AT_KECAMATAN) == []  # never back
    assert route(S.ISSUED, S.ISSUED) == []


def test_only_documents_with_a_print_job_count() -> None:
    app = Application(id=uuid.UUID(int=1), delivery="DOWNLOAD")
    rows = _three()
    assert lifecycle.application_print_status(app, rows) is None  # the KIA's job unknown
    rows[2].print_state = "QUEUED_AT_KECAMATAN"
    assert lifecycle.application_print_status(app, rows) == S.QUEUED_AT_KECAMATAN
    at_kecamatan = Application(id=uuid.UUID(int=1), delivery="KECAMATAN")
    assert lifecycle.application_print_status(at_kecamatan, rows) is None  # all three have one


def test_a_revoked_document_is_refused_a_superseded_one_opens() -> None:
    rows = _three()
    rows[1].status, rows[1].superseded_by = "SUPERSEDED", "3211-KK-2026-000009"
    rows[2].status, rows[2].revocation_reason = "REVOKED", "Data anak salah."
    assert lifecycle.document_to_open(rows, None) is rows[0]
    assert lifecycle.document_to_open(rows, "3211-KK-2026-000002") is rows[1]
    with pytest.raises(Conflict) as revoked:
        lifecycle.document_to_open(rows, "3211-KIA-2026-000003")
    assert revoked.value.code == "DOCUMENT_REVOKED"
    assert "Data anak salah" in revoked.value.message and "dicabut" in revoked.value.message
    with pytest.raises(NotFound) as unknown:
        lifecycle.document_to_open(rows, "3211-KK-2026-999999")
    assert unknown.value.code == "DOCUMENT_NOT_FOUND"
    with pytest.raises(Conflict) as waiting:
        lifecycle.document_to_open([_row(0, "KK", state="AWAITING_SIGNATURE")], None)
    assert waiting.value.code == "DOCUMENT_NOT_ISSUED"


def test_the_view_lists_every_document_in_output_order() -> None:
    rows = [*_three()[:2], _row(2, "KIA", state="AWAITING_SIGNATURE", card=True,
                                number="3211-KIA-2026-000003")]
    rows[1].status, rows[1].revoked_at, rows[1].revocation_reason = "REVOKED", AT, "Salah."
    view = lifecycle.documents_view(rows)
    assert (view["outputs_issued"], view["outputs_total"]) == (2, 3)
    first, kk, kia = view["documents"]
    assert set(first) == {
        "document_number", "document_type", "label", "card", "kind", "replaces", "state",
        "status", "issued_at", "superseded_by", "revoked_at", "revocation_reason",
        "print_state", "downloadable"}
    assert first["label"] == "Kutipan Akta Kelahiran" and first["downloadable"]
    assert kk["status"] == "REVOKED" and not kk["downloadable"] and kk["revoked_at"]
    # A draft's number is not shown before it is issued.
    assert kia["document_number"] is None and kia["state"] == "AWAITING_SIGNATURE"
    assert not kia["downloadable"] and kia["card"]
