"""The citizen's side of the survey: the questions behind an invitation link, and the one
answer. A refusal (unknown link, bad scores, answered before, application not ended) writes
nothing: every check runs before the first write."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.applications.record import definition_of, hash_token
from services.intake.models import Application
from services.intake.survey import ikm
from services.intake.survey.invitations import has_ended
from services.intake.survey.models import SurveyInvitation, SurveyResponse
from silasidakep.clock import now_utc
from silasidakep.errors import Conflict, NotFound, ValidationFailed
from silasidakep.masking import mask_identity_numbers
from silasidakep.text import storable

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _invitation(session: Session, token: Any, lock: bool = False) -> SurveyInvitation:
    if not isinstance(token, str) or not TOKEN.match(token):
        raise NotFound("Survei tidak ditemukan.", code="SURVEY_NOT_FOUND")
    query = select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token))
    found = session.scalars(query.with_for_update() if lock else query).first()
    if found is None:
        raise NotFound("Survei tidak ditemukan.", code="SURVEY_NOT_FOUND")
    return found


def _require_open(session: Session, invitation: SurveyInvitation) -> Application:
    app = session.get(Application, invitation.application_id)
    if app is None or not has_ended(app, invitation.ended_by):
        raise Conflict("Survei dapat diisi setelah permohonan Anda selesai.",
                       code="SURVEY_NOT_OPEN")
    return app


def questions(session: Session, token: str) -> dict[str, Any]:
    """The page's content: the service, the elements with their answers, whether answered."""
    invitation = _invitation(session, token)
    app = _require_open(session, invitation)
    spec = ikm.definition()
    return {
        "service_code": app.service_code,
        "service_name": definition_of(app).name,
        "answered": invitation.answered_at is not None,
        "answered_at": invitation.answered_at.isoformat() if invitation.answered_at else None,
        "scale": {"min": spec.scale_min, "max": spec.scale_max},
        "comment_max_length": spec.comment_max_length,
        "elements": spec.questions(),
    }


def _scores(spec: ikm.Definition, raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ValidationFailed(fields={"scores": ["Jawab semua pertanyaan."]},
                               code="INVALID_SURVEY_ANSWER")
    unknown = sorted(set(raw) - set(spec.codes))
    missing = [c for c in spec.codes if c not in raw]
    if unknown or missing:
        problems = {f"scores.{c}": ["Unsur tidak dikenal."] for c in unknown}
        problems |= {f"scores.{c}": ["Pilih salah satu jawaban."] for c in missing}
        raise ValidationFailed(fields=problems, code="INVALID_SURVEY_ANSWER")
    wrong = {f"scores.{c}": [f"Pilih nilai {spec.scale_min} sampai {spec.scale_max}."]
             for c, v in raw.items()
             if isinstance(v, bool) or not isinstance(v, int) or v not in spec.scores}
    if wrong:
        raise ValidationFailed(fields=wrong, code="SCORE_OUT_OF_RANGE")
    return {c: int(raw[c]) for c in spec.codes}


def _comment(spec: ikm.Definition, raw: Any) -> str | None:
    if raw is None:
        return None
    limit = spec.comment_max_length
    if not isinstance(raw, str) or len(raw) > limit or not storable(raw):
        raise ValidationFailed(fields={"comment": [f"Paling banyak {limit} karakter."]},
                               code="INVALID_SURVEY_ANSWER")
    # Anonymous in reports: a NIK or KK number typed into the text is masked before storing.
    return mask_identity_numbers(raw.strip()) or None


def answer(session: Session, token: str, payload: Any) -> dict[str, Any]:
    """Record the one answer of the invitation; raises before writing anything."""
    invitation = _invitation(session, token, lock=True)  # serialises a concurrent second answer
    spec = ikm.definition()
    payload = payload if isinstance(payload, dict) else {}
    extra = sorted(set(payload) - {"scores", "comment"})
    if extra:
        raise ValidationFailed(fields={k: ["Tidak dikenal."] for k in extra},
                               code="INVALID_SURVEY_ANSWER")
    scores = _scores(spec, payload.get("scores"))
    comment = _comment(spec, payload.get("comment"))
    if invitation.answered_at is not None:
        raise Conflict("Survei untuk permohonan ini sudah diisi. Terima kasih.",
                       code="SURVEY_ALREADY_ANSWERED")
    app = _require_open(session, invitation)
    at = now_utc()
    session.add(SurveyResponse(
        id=uuid.uuid4(), application_id=app.id, service_code=app.service_code,
        kecamatan_code=app.kecamatan_code, channel=app.channel, answered_at=at,
        scores=scores, ikm_version=spec.version, comment=comment,
    ))
    invitation.answered_at = at
    return {"answered": True, "answered_at": at.isoformat()}
