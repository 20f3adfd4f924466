"""The IKM survey on real PostgreSQL: invited once when the application ends, answered once,
refusals write nothing, the report reads the answers alone."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers
from services.intake.applications.record import get, hash_token
from services.intake.survey import answers, invitations, reports
from services.intake.survey.models import SurveyInvitation, SurveyResponse
from silasidakep.clock import now_utc, today_wib
from silasidakep.errors import Conflict, NotFound, ValidationFailed
from tests.integration.test_intake_cekatan import _change
from tests.integration.test_intake_service_layer import _submitted, events_for

ALL_FOUR = {f"U{i}": 4 for i in range(1, 10)}


def _issued(intake_sessions, intake_outbox, service_code: str, seed: int) -> tuple[str, str, str]:
    """An issued application: (id, access token, download PIN)."""
    app_id, token = _submitted(intake_sessions, intake_outbox, service_code, seed)
    now = datetime.now(UTC)
    with intake_sessions() as s, s.begin():
        consumers.apply_decision(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
            "decided_at": now})
        consumers.apply_issued(s, intake_outbox, {
            "application_id": uuid.UUID(app_id), "document_number": f"3211-X-2026-{seed:06d}",
            "object_key": f"documents/{app_id}.pdf", "issued_at": now})
    pins = [d["pin"] for k, d in events_for(intake_sessions, app_id)
            if k == "application.download_pin_issued"]
    return app_id, token, pins[-1]


def _invited(intake_sessions: sessionmaker, app_id: str) -> list[dict]:
    return [d for k, d in events_for(intake_sessions, app_id) if k == "survey.invited"]


def _written(intake_sessions: sessionmaker, app_id: str) -> tuple[int, datetime | None]:
    """(responses for the application, the invitation's answered_at)."""
    with intake_sessions() as s:
        count = s.scalar(select(func.count()).select_from(SurveyResponse)
                         .where(SurveyResponse.application_id == uuid.UUID(app_id)))
        answered = s.scalar(select(SurveyInvitation.answered_at)
                            .where(SurveyInvitation.application_id == uuid.UUID(app_id)))
    return count, answered


def _answer(intake_sessions: sessionmaker, token: str, payload: object) -> dict:
    with intake_sessions() as s, s.begin():
        return answers.answer(s, token, payload)


def test_downloaded_invites_once_answered_once_refusals_write_nothing(
    intake_sessions, intake_outbox
) -> None:
    app_id, token, pin = _issued(intake_sessions, intake_outbox, "KK_PERUBAHAN", 95_001)
    for _ in range(2):  # the second download invites nobody again
        with intake_sessions() as s, s.begin():
            commands.open_document(s, app_id, token, pin, outbox=intake_outbox)
    invited = _invited(intake_sessions, app_id)
    assert len(invited) == 1 and invited[0]["recipient"]["email"]
    survey = invited[0]["survey_token"]
    with intake_sessions() as s:
        stored = s.scalars(select(SurveyInvitation)
                           .where(SurveyInvitation.application_id == uuid.UUID(app_id))).one()
        assert stored.token_hash == hash_token(survey) and stored.ended_by == "DOWNLOADED"
        shown = answers.questions(s, survey)
    assert [e["code"] for e in shown["elements"]] == list(ALL_FOUR) and not shown["answered"]

    bad = [
        ({"scores": {**ALL_FOUR, "U3": 5}}, ValidationFailed, "SCORE_OUT_OF_RANGE"),
        ({"scores": {**ALL_FOUR, "U1": 0}}, ValidationFailed, "SCORE_OUT_OF_RANGE"),
        ({"scores": {**ALL_FOUR, "U2": "4"}}, ValidationFailed, "SCORE_OUT_OF_RANGE"),
        ({"scores": {**ALL_FOUR, "U4": True}}, ValidationFailed, "SCORE_OUT_OF_RANGE"),
        ({"scores": {k: v for k, v in ALL_FOUR.items() if k != "U9"}}, ValidationFailed,
         "INVALID_SURVEY_ANSWER"),
        ({"scores": {**ALL_FOUR, "U10": 4}}, ValidationFailed, "INVALID_SURVEY_ANSWER"),
        ({"scores": ALL_FOUR, "comment": "x" * 1001}, ValidationFailed, "INVALID_SURVEY_ANSWER"),
        ({"scores": ALL_FOUR, "nik": "3211064107900001"}, ValidationFailed,
         "INVALID_SURVEY_ANSWER"),
    ]
    for payload, error, code in bad:
        with pytest.raises(error) as refused:
            _answer(intake_sessions, survey, payload)
        assert refused.value.code == code, payload
        assert _written(intake_sessions, app_id) == (0, None)
    with pytest.raises(NotFound) as unknown:
        _answer(intake_sessions, secrets.token_urlsafe(32), {"scores": ALL_FOUR})
    assert unknown.value.code == "SURVEY_NOT_FOUND"

    scores = {**ALL_FOUR, "U3": 2, "U8": 3}
    comment = "Cepat, tetapi antrean panjang. NIK saya 3211064107900001."
    done = _answer(intake_sessions, survey, {"scores": scores, "comment": comment})
    assert done["answered"] is True
    with pytest.raises(Conflict) as twice:
        _answer(intake_sessions, survey, {"scores": ALL_FOUR})
    assert twice.value.code == "SURVEY_ALREADY_ANSWERED"
    count, answered = _written(intake_sessions, app_id)
    assert count == 1 and answered is not None
    with intake_sessions() as s:
        row = s.scalars(select(SurveyResponse)
                        .where(SurveyResponse.application_id == uuid.UUID(app_id))).one()
        assert row.scores == scores and row.channel == "ONLINE" and row.ikm_version == 1
        assert "3211064107900001" not in row.comment  # masked before it was stored
        assert answers.questions(s, survey)["answered"] is True

        today = today_wib(now_utc())
        report = reports.ikm_report(s, today, today, "KK_PERUBAHAN")
        comments = reports.comments(s, today - timedelta(days=1), today, None, auditor=None)
    (service,) = report["services"]
    # (7 x 4 + 2 + 3) / 9 = 33 / 9 = 3.666..., x 25 = 91.666... -> 91.67, A
    assert (service["responses"], service["ikm"], service["grade"]) == (1, 91.67, "A")
    assert report["overall"]["ikm"] == 91.67 and report["overall"]["grade_label"] == "Sangat baik"
    assert {"code": "U3", "average": 2.0, "converted": 50.0} in service["elements"]
    mine = [c for c in comments["comments"] if c["comment"].startswith("Cepat, tetapi")]
    assert mine and set(mine[0]) == {"service_code", "service_name", "answered_on", "comment"}


def test_collected_at_the_kecamatan_invites_but_downloading_the_card_does_not(
    intake_sessions, intake_outbox
) -> None:
    app_id, token, pin = _issued(intake_sessions, intake_outbox, "KIA", 95_002)
    with intake_sessions() as s, s.begin():
        commands.open_document(s, app_id, token, pin, outbox=intake_outbox)
    assert _invited(intake_sessions, app_id) == []  # a card ends at the desk
    for seq, state in ((1, "QUEUED_AT_KECAMATAN"), (2, "PRINTED"), (3, "COLLECTED"),
                       (3, "COLLECTED")):
        with intake_sessions() as s, s.begin():
            consumers.apply_print_job(s, intake_outbox, _change(app_id, seq, state))
    (invited,) = _invited(intake_sessions, app_id)
    assert invited["service_code"] == "KIA"
    _answer(intake_sessions, invited["survey_token"], {"scores": ALL_FOUR})
    assert _written(intake_sessions, app_id)[0] == 1


def test_an_application_not_ended_cannot_be_invited_or_answered(
    intake_sessions, intake_outbox
) -> None:
    app_id, _ = _submitted(intake_sessions, intake_outbox, "KK_PERUBAHAN", 95_003)
    with intake_sessions() as s, s.begin():
        app = get(s, app_id, lock=True)
        assert invitations.invite(s, intake_outbox, app, invitations.DOWNLOADED) is False
        assert invitations.invite(s, intake_outbox, app, invitations.COLLECTED) is False
    # A link for it anyway (say, a stale or forged row): the answer is refused, nothing written.
    survey = secrets.token_urlsafe(32)
    with intake_sessions() as s, s.begin():
        s.add(SurveyInvitation(id=uuid.uuid4(), application_id=uuid.UUID(app_id),
                               token_hash=hash_token(survey), ended_by="DOWNLOADED",
                               invited_at=now_utc()))
    with pytest.raises(Conflict) as closed:
        _answer(intake_sessions, survey, {"scores": ALL_FOUR})
    assert closed.value.code == "SURVEY_NOT_OPEN"
    assert _written(intake_sessions, app_id) == (0, None)


def test_a_period_is_checked() -> None:
    for start, end in (("2026-12-31", "2026-12-01"), ("2025-01-01", "2026-12-31"),
                       ("kemarin", None), ("9999-12-31", "9999-12-31")):
        with pytest.raises(ValidationFailed) as refused:
            reports.period(start, end)
        assert refused.value.code == "INVALID_PERIOD"
    first, last = reports.period(None, "2026-12-15")
    assert (first.isoformat(), last.isoformat()) == ("2026-12-01", "2026-12-15")
