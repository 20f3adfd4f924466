"""How intake follows the pipeline: verification's claims and decisions, printing's drafts,
issued documents and kecamatan print jobs, mirrored in the citizen's status."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from services.intake.applications.presence import request_issuance
from services.intake.applications.record import (
    change_status,
    get,
    pending_presence,
    pin_digest,
    recipient,
)
from services.intake.appointments.booking import cancel_for_application
from services.intake.domain.status import DECISION_STATUS, DOWNLOADABLE, Status, can_transition
from services.intake.models import Application
from services.intake.survey import invitations
from silasidakep.db import Outbox


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
    """Printing stored the unsigned draft; it waits for the head of the Dinas to sign."""
    app = get(session, data["application_id"], lock=True)
    if app.status != Status.APPROVED:  # already issued (events may overtake), or stale
        return
    change_status(session, outbox, app, Status.AWAITING_SIGNATURE, data["drafted_at"])


def apply_issued(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = get(session, data["application_id"], lock=True)
    if app.status not in (Status.APPROVED, Status.AWAITING_SIGNATURE):
        return
    pin = f"{secrets.randbelow(10**6):06d}"
    app.document_number = data["document_number"]
    app.document_object_key = data["object_key"]
    app.issued_at = data["issued_at"]
    app.pin_hash = pin_digest(app.id, pin)
    change_status(session, outbox, app, Status.ISSUED, data["issued_at"])
    outbox.add(
        session,
        "application.download_pin_issued",
        {
            "application_id": app.id,
            "tracking_code": app.tracking_code,
            "document_number": app.document_number,
            "pin": pin,
            "recipient": recipient(app),
        },
    )


class PrintJobAhead(RuntimeError):
    """A print-job change arrived before the issuance (or an earlier change) it follows; the
    event is retried (``on_event`` redelivers it after a delay)."""


def apply_print_job(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """Mirror printing's kecamatan print job (Cekatan) in the citizen's status, in job order."""
    app = get(session, data["application_id"], lock=True)
    seq = data["seq"]
    if seq <= (app.print_seq or 0):
        return  # already applied (or stale)
    if app.status not in DOWNLOADABLE or seq != (app.print_seq or 0) + 1:
        raise PrintJobAhead(f"print job change {seq} of {app.id} arrived early")
    target = Status(data["state"])
    app.print_seq = seq
    if can_transition(app.status, target):
        change_status(session, outbox, app, target, data["at"])
        # Collected at the kecamatan: the application has ended; invite to the survey once.
        invitations.invite(session, outbox, app, invitations.COLLECTED, data["at"])
