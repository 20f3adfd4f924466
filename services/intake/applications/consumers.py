"""How intake follows the pipeline: verification's claims and decisions, printing's drafts,
issued and revoked documents and kecamatan print jobs, mirrored in the citizen's status (each
document's own state in ``services/intake/outputs/lifecycle.py``)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.intake.applications.presence import request_issuance
from services.intake.applications.record import (
    change_status,
    definition_of,
    get,
    pending_presence,
    pin_digest,
    recipient,
)
from services.intake.appointments.booking import cancel_for_application
from services.intake.domain.status import (
    CEKATAN_ORDER,
    DECISION_STATUS,
    DOWNLOADABLE,
    ISSUING,
    Status,
    can_transition,
    route,
)
from services.intake.models import Application
from services.intake.outputs import lifecycle
from services.intake.outputs.models import ApplicationOutput
from services.intake.survey import invitations
from silasidakep.db import Outbox
from silasidakep.masking import mask_identity_numbers


def _current_round(session: Session, data: dict[str, Any]) -> Application | None:
    app = get(session, data["application_id"], lock=True)
    # Events of an earlier round (before a revision) are stale: ignore them.
    return app if app.round == data["round"] else None


def apply_claim(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _current_round(session, data)
    if app and app.status == Status.SUBMITTED:
        change_status(session, outbox, app, Status.IN_VERIFICATION, data["claimed_at"])


def apply_decision(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _current_round(session, data)
    target = DECISION_STATUS[data["decision"]]
    if target == Status.APPROVED and app is not None and pending_presence(app):
        target = Status.AWAITING_BIOMETRICS
    if app is None or not can_transition(app.status, target):
        return
    at = data["decided_at"]
    change_status(
        session, outbox, app, target, at,
        reason_code=data.get("reason_code"), reason_text=data.get("reason_text"),
        note=data.get("note"), fix_fields=data.get("fix_fields"),
        fix_documents=data.get("fix_documents"),
    )
    if target == Status.APPROVED:
        request_issuance(session, outbox, app, at)
    elif target == Status.REJECTED:
        # A rejected application gives its booked slots back to other citizens.
        cancel_for_application(session, outbox, app.id, at)


def apply_awaiting_signature(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """Printing stored one output's unsigned draft; it waits for the head of the Dinas to sign.
    The application is AWAITING_SIGNATURE while any of its documents waits."""
    app = get(session, data["application_id"], lock=True)
    if app.status not in (Status.APPROVED, Status.AWAITING_SIGNATURE):
        return  # already issued (events may overtake each other), or stale
    lifecycle.record_awaiting(session, app, data)
    if app.status == Status.APPROVED:
        change_status(session, outbox, app, Status.AWAITING_SIGNATURE, data["drafted_at"])


def apply_issued(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """One output is issued (and, with ``superseded``, earlier documents are replaced). When
    every planned output is issued the application is ISSUED and its one download PIN goes
    out, naming every document."""
    app = get(session, data["application_id"], lock=True)
    if app.status not in ISSUING and app.status not in DOWNLOADABLE:
        return  # stale
    rows = lifecycle.record_issued(session, app, data)
    if app.status in ISSUING and lifecycle.all_issued(rows):
        _issue(session, outbox, app, rows, data["issued_at"])


def _issue(session: Session, outbox: Outbox, app: Application,
           rows: list[ApplicationOutput], at: datetime) -> None:
    # One PIN per application (docs/document-lifecycle.md): it protects the application's
    # contact channel, and the lockout after wrong PINs counts per application.
    pin = f"{secrets.randbelow(10**6):06d}"
    numbers = [r.document_number for r in rows]
    app.issued_at = at
    app.pin_hash = pin_digest(app.id, pin)
    change_status(session, outbox, app, Status.ISSUED, at)
    outbox.add(
        session,
        "application.download_pin_issued",
        {
            "application_id": app.id,
            "tracking_code": app.tracking_code,
            "document_number": numbers[0],
            "document_numbers": numbers,
            "pin": pin,
            "recipient": recipient(app),
        },
    )
    # Print jobs of documents issued earlier may have moved on already.
    _follow_print_queue(session, outbox, app, rows, at)


PrintJobAhead = lifecycle.PrintJobAhead


def apply_print_job(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """Mirror printing's kecamatan print job (Cekatan) of one document, in job order; the
    application's status is the least advanced of its documents' jobs."""
    app = get(session, data["application_id"], lock=True)
    rows = lifecycle.record_print_change(session, app, data)
    if rows is not None and app.status in DOWNLOADABLE:
        _follow_print_queue(session, outbox, app, rows, data["at"])


def _follow_print_queue(session: Session, outbox: Outbox, app: Application,
                        rows: list[ApplicationOutput], at: datetime) -> None:
    target = lifecycle.application_print_status(app, rows)
    if target is None:
        return
    # Only forward through the print queue (and back to waiting for blanko): a job that is
    # announced late never takes the application back from PRINTED.
    steps = route(app.status, target)
    if not steps or not all(s in CEKATAN_ORDER for s in steps):
        return
    for step in steps:
        change_status(session, outbox, app, step, at)
    # Collected at the kecamatan: the application has ended; invite to the survey once.
    invitations.invite(session, outbox, app, invitations.COLLECTED, at)


def apply_revoked(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """A signer or supervisor revoked one of the application's documents: mark it, refuse its
    download from now on, and tell the citizen with the reason (once: a redelivered event finds
    it revoked already)."""
    app = get(session, data["application_id"], lock=True)
    row = lifecycle.record_revoked(session, app, data)
    if row is None:
        return
    # The application's status does not change: the application was decided and issued, and
    # its other documents stay valid; the revocation belongs to this document, shown on it
    # (and its cancelled print job reaches the status through print_job.changed).
    service = definition_of(app)
    outbox.add(session, "application.document_revoked", {
        "application_id": app.id,
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": service.name,
        "document_number": row.document_number,
        "document_type": row.document_type,
        "document_label": lifecycle.label_of(row),
        # Free text staff typed may quote a NIK; the event promises masked ones only.
        "reason": mask_identity_numbers(data["reason"]),
        "revoked_at": data["revoked_at"],
        "recipient": recipient(app),
    })
