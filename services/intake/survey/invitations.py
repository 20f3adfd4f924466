"""Inviting the citizen, once per application, when it has ended: the issued PDF downloaded with
the PIN (delivery DOWNLOAD), or the document collected at the kecamatan (Cekatan)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake.applications.record import definition_of, hash_token, recipient
from services.intake.domain.status import DOWNLOADABLE, Status
from services.intake.models import Application
from services.intake.survey.models import SurveyInvitation
from silasidakep.clock import now_utc
from silasidakep.db import Outbox

DOWNLOADED = "DOWNLOADED"
COLLECTED = "COLLECTED"
INVITATIONS = SurveyInvitation.__table__


def has_ended(app: Application, ended_by: str) -> bool:
    """Whether the application is over for the citizen in the way ``ended_by`` says: a
    document to collect ends at the desk, whatever the citizen downloaded before."""
    if ended_by == COLLECTED:
        return app.status == Status.COLLECTED
    return app.delivery == "DOWNLOAD" and app.status in DOWNLOADABLE


def invite(session: Session, outbox: Outbox, app: Application, ended_by: str,
           at: datetime | None = None) -> bool:
    """Create the invitation and its ``survey.invited`` event, once; False when the application
    has not ended that way or was invited before. The caller holds the application's lock."""
    if not has_ended(app, ended_by):
        return False
    at = at or now_utc()
    token = secrets.token_urlsafe(32)
    created = session.execute(
        insert(INVITATIONS)
        .values(id=uuid.uuid4(), application_id=app.id, token_hash=hash_token(token),
                ended_by=ended_by, invited_at=at)
        .on_conflict_do_nothing(constraint="uq_survey_invitations_application")
        .returning(INVITATIONS.c.id)
    ).first()
    if created is None:
        return False
    outbox.add(session, "survey.invited", {
        "application_id": app.id,
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": definition_of(app).name,
        "survey_token": token,
        "invited_at": at,
        "recipient": recipient(app),
    })
    return True
