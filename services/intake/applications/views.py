"""What the citizen sees of an application: status, timeline, what to fix, and the catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, object_session

from services.intake.applications.labels import field_label
from services.intake.applications.record import (
    current_documents,
    definition_of,
    last_revision,
    load_for_citizen,
)
from services.intake.catalogue import ServiceDefinition, load_catalogue, public_document_types
from services.intake.domain.status import (
    CANCELLABLE,
    EDITABLE,
    STATUS_TEXT,
    Status,
    expected_path,
)
from services.intake.models import Application
from services.intake.outputs import lifecycle
from services.intake.outputs.models import ISSUED, ApplicationOutput
from silasidakep.masking import mask_email, mask_nik, mask_phone

BOOKING_CLOSED = frozenset({Status.DRAFT, Status.REJECTED, Status.CANCELLED})


def catalogue() -> dict[str, Any]:
    """The public catalogue: every service, and what each document type is and which of its
    fields a correction may change (``document_types``)."""
    return {"services": [s.public() for s in load_catalogue().values()],
            "document_types": public_document_types()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _timeline(app: Application, service: ServiceDefinition,
              outputs: list[ApplicationOutput]) -> list[dict[str, Any]]:
    """The path this application takes, with each step done, current or still to come."""
    reached = {h.status: h.at for h in app.history}
    path = expected_path(
        bool(service.steps_before_issuance),
        awaits_signature=Status.AWAITING_SIGNATURE in reached
        or app.status == Status.AWAITING_SIGNATURE,
        # A card among the documents (the KIA of a birth) is collected at the kecamatan too.
        at_kecamatan=(app.delivery == "KECAMATAN"
                      or any(lifecycle.expects_job(app, o) for o in outputs)),
        awaits_blanko=Status.AWAITING_BLANKO in reached or app.status == Status.AWAITING_BLANKO,
    )
    current = Status(app.status)
    if current not in path:  # revision, rejection, cancellation: shown where they happened
        done = [s for s in path if s in reached]
        path = [*done, current]
    position = path.index(current)

    def state(index: int) -> str:
        return "done" if index < position else "current" if index == position else "upcoming"

    return [
        {"status": status, "label": STATUS_TEXT[status][0], "at": _iso(reached.get(status)),
         "state": state(index)}
        for index, status in enumerate(path)
    ]


def _revision_view(app: Application, service: ServiceDefinition) -> dict[str, Any] | None:
    revision = last_revision(app)
    if revision is None:
        return None
    return {
        "reason_code": revision.reason_code,
        "reason": revision.reason_text,
        "note": revision.note,
        "requested_at": revision.at.isoformat(),
        "fields": [{"path": f, "label": field_label(service, f)} for f in revision.fix_fields],
        "documents": [
            {"type": d, "label": service.document_label(d)} for d in revision.fix_documents
        ],
    }


def _principal_view(outputs: list[ApplicationOutput]) -> dict[str, Any] | None:
    """The old single ``document`` key: the principal document, once issued."""
    row = lifecycle.principal(outputs)
    if row is None or row.state != ISSUED or not row.document_number or not row.issued_at:
        return None
    return {"document_number": row.document_number, "issued_at": row.issued_at.isoformat(),
            "status": row.status}


def outputs_for_view(app: Application) -> list[ApplicationOutput]:
    session = object_session(app)
    return lifecycle.outputs_of(session, app.id) if session is not None else []


def view_of(app: Application) -> dict[str, Any]:
    service = definition_of(app)
    status = Status(app.status)
    label, description = STATUS_TEXT[status]
    present = {d.doc_type for d in current_documents(app)}
    outputs = outputs_for_view(app)
    return {
        "id": str(app.id),
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": service.name,
        "status": app.status,
        "status_label": label,
        "stage": {"label": label, "description": description},
        "round": app.round,
        "delivery": app.delivery or "DOWNLOAD",
        "channel": app.channel or "ONLINE",  # how it came in (domain/channels.py)
        "filed_at_location": app.filed_at_location,
        "created_at": app.created_at.isoformat(),
        "submitted_at": _iso(app.submitted_at),
        "expected_completion_at": _iso(app.deadline_at),
        "applicant": {
            "nik_masked": mask_nik(app.nik), "name": app.name,
            "kecamatan_code": app.kecamatan_code, "email": app.email, "phone": app.phone,
        },
        "reporter": reporter_view(app.reporter),
        "subject": {"name": app.subject_name or app.name,
                    "nik_masked": mask_nik(app.subject_nik) if app.subject_nik else None},
        "pending_contact": pending_contact_view(app),
        "attached_to_account": app.account_id is not None,
        "form": app.form,
        # The citizen's uploads (scans); the issued documents are ``documents`` below.
        "uploads": [
            {
                "doc_type": d.doc_type, "content_type": d.content_type, "size": d.size,
                "uploaded_at": d.uploaded_at.isoformat(),
            }
            for d in current_documents(app)
        ],
        "missing_documents": sorted(service.documents_required_for(app.form) - present),
        "timeline": _timeline(app, service, outputs),
        "history": [
            {
                "status": h.status, "label": STATUS_TEXT[Status(h.status)][0],
                "at": h.at.isoformat(), "round": h.round, "reason_code": h.reason_code,
                "reason": h.reason_text, "note": h.note,
            }
            for h in app.history
        ],
        "revision": _revision_view(app, service),
        "presence": [
            {"step": p.step, "label": p.label, "done_at": (app.presence_done or {}).get(p.step)}
            for p in service.presence
        ],
        "can_edit": status in EDITABLE,
        "can_cancel": status in CANCELLABLE,
        "can_book": bool(service.presence) and status not in BOOKING_CLOSED,
        # Every document the application issues, in output order (docs/document-lifecycle.md
        # "Interfaces"), with outputs_issued / outputs_total; ``document`` is the principal.
        **lifecycle.documents_view(outputs),
        "document": _principal_view(outputs),
        "service": service.public(),  # includes output_document and output_card
    }


def masked_contact(field: str, value: str | None) -> str | None:
    if not value:
        return None
    return mask_email(value) if field == "email" else mask_phone(value)


def code_target(app: Application, field: str, value: str | None) -> tuple[str, str]:
    """(field, address) the code of a contact change goes to (contact_change): the new value,
    or for a removal the contact that remains."""
    if value:
        return field, value
    other = "phone" if field == "email" else "email"
    return other, getattr(app, other)


def pending_contact_view(app: Application) -> dict[str, Any] | None:
    """A change of email or phone waiting for its code (see contact_change): the new value
    masked (None: the contact is removed) and where the code went."""
    pending = app.pending_contact
    if not pending:
        return None
    field, value = pending["field"], pending["value"]
    return {"field": field, "value_masked": masked_contact(field, value),
            "code_sent_to": masked_contact(*code_target(app, field, value))}


def reporter_view(reporter: dict[str, str] | None) -> dict[str, Any] | None:
    if not reporter:
        return None
    return {"name": reporter["name"], "nik_masked": mask_nik(reporter["nik"]),
            "relationship": reporter["relationship"]}


def view(session: Session, application_id: str, token: str | None) -> dict[str, Any]:
    return view_of(load_for_citizen(session, application_id, token))
