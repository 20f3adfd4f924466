"""Approval and the in-person steps that may hold it: once nothing is left to do in person,
intake asks printing to issue its documents (``application.issuance_requested``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from services.intake.applications.record import (
    change_status,
    definition_of,
    get,
    pending_presence,
)
from services.intake.applications.snapshot import issuance_requested_event
from services.intake.domain.status import Status
from services.intake.models import Application
from services.intake.outputs.plan import plan_outputs, record_planned
from silasidakep.db import Outbox
from silasidakep.errors import Conflict


def request_issuance(session: Session, outbox: Outbox, app: Application, at: datetime) -> None:
    """Approved with nothing left to do in person: plan its documents (one PLANNED row each,
    in this transaction) and ask printing to issue them."""
    app.approved_at = at
    planned = plan_outputs(session, app)
    record_planned(session, app, planned, at)
    outbox.add(session, "application.issuance_requested",
               issuance_requested_event(app, at, planned))


def record_presence(
    session: Session, outbox: Outbox, application_id: uuid.UUID | str, step: str, at: datetime
) -> None:
    """Staff recorded an in-person step (e.g. biometrics). The last one releases issuance."""
    app = get(session, application_id, lock=True)
    if definition_of(app).presence_step(step) is None:
        raise Conflict("Layanan ini tidak memerlukan langkah tersebut.", code="STEP_NOT_REQUIRED")
    app.presence_done = {**(app.presence_done or {}), step: at.isoformat()}
    if app.status == Status.AWAITING_BIOMETRICS and not pending_presence(app):
        change_status(session, outbox, app, Status.APPROVED, at)
        request_issuance(session, outbox, app, at)
