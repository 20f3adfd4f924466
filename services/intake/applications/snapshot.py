"""The application data later stages work from, as the events carry it: verification shows the
snapshot and what approval will issue, printing prints from it (including what each document is
and whom it is about, so printing never reads intake's catalogue or form rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, object_session

from services.intake.applications.labels import requirements
from services.intake.applications.record import current_documents, definition_of
from services.intake.models import Application
from services.intake.outputs import plan
from services.intake.outputs.plan import PlannedOutput


def snapshot(app: Application, principal: PlannedOutput | None = None) -> dict[str, Any]:
    """``principal``: the first planned output (issuance); without it the catalogue's first
    output for this form (or, for a correction or reprint not yet planned, none)."""
    service = definition_of(app)
    applicant = plan.applicant_of(app)
    if principal is None:
        planned = plan.planned_for(service, applicant, app.form or {})
        principal = planned[0] if planned else None
    return {
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "output_document": principal.document if principal else service.output_document or "",
        "applicant": applicant,
        # The pelapor when someone files for a relative (the verifier sees both).
        "reporter": app.reporter,
        "form": app.form,
        "delivery": app.delivery or "DOWNLOAD",
        "channel": app.channel or "ONLINE",
        "filed_at_location": app.filed_at_location,
        "output": ({"document": principal.document, "card": principal.card}
                   if principal else None),
        "subject": dict(principal.subject) if principal else None,
    }


def submitted_event(app: Application, session: Session | None = None) -> dict[str, Any]:
    session = session or object_session(app)
    outputs = plan.preview(session, app)
    principal = None
    if definition_of(app).reissue and outputs:
        # A correction or reprint issues the original document's type.
        first = outputs[0]
        principal = PlannedOutput(key=first["key"], document=first["document"],
                                  card=bool(first["card"]),
                                  subject=first.get("subject") or plan.applicant_subject(app))
    return {
        "application_id": app.id,
        "round": app.round,
        "submitted_at": app.submitted_at,
        "deadline_at": app.deadline_at,
        "application": snapshot(app, principal),
        "documents": [
            {
                "doc_type": d.doc_type, "object_key": d.object_key,
                "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
            }
            for d in current_documents(app)
        ],
        "warnings": app.warnings,
        "requirements": requirements(definition_of(app), app.form),
        "outputs": outputs,
    }


def issuance_requested_event(app: Application, at: datetime,
                             planned: list[PlannedOutput]) -> dict[str, Any]:
    """application.issuance_requested v3: the snapshot's output and subject are the first
    planned output's; ``outputs`` lists them all."""
    return {
        "application_id": app.id, "round": app.round, "requested_at": at,
        "application": snapshot(app, planned[0]),
        "outputs": [output.event() for output in planned],
    }
