"""The application data later stages work from, as the events carry it: verification shows the
snapshot, printing prints from it (including what the document is and whom it is about, so
printing never reads intake's catalogue or form rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.intake.applications.labels import requirements
from services.intake.applications.record import current_documents, definition_of
from services.intake.domain.subject import document_subject
from services.intake.models import Application


def snapshot(app: Application) -> dict[str, Any]:
    service = definition_of(app)
    applicant = {
        "nik": app.nik, "name": app.name, "kk_number": app.kk_number,
        "kecamatan_code": app.kecamatan_code, "email": app.email, "phone": app.phone,
    }
    return {
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "output_document": service.output_document,
        "applicant": applicant,
        # The pelapor when someone files for a relative (the verifier sees both).
        "reporter": app.reporter,
        "form": app.form,
        "delivery": app.delivery or "DOWNLOAD",
        "channel": app.channel or "ONLINE",
        "filed_at_location": app.filed_at_location,
        "output": {"document": service.output_document, "card": service.output_card},
        "subject": document_subject(service.output_document, applicant, app.form)._asdict(),
    }


def submitted_event(app: Application) -> dict[str, Any]:
    return {
        "application_id": app.id,
        "round": app.round,
        "submitted_at": app.submitted_at,
        "deadline_at": app.deadline_at,
        "application": snapshot(app),
        "documents": [
            {
                "doc_type": d.doc_type, "object_key": d.object_key,
                "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
            }
            for d in current_documents(app)
        ],
        "warnings": app.warnings,
        "requirements": requirements(definition_of(app), app.form),
    }


def issuance_requested_event(app: Application, at: datetime) -> dict[str, Any]:
    return {
        "application_id": app.id, "round": app.round, "requested_at": at,
        "application": snapshot(app),
    }
