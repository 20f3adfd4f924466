"""The documents of an application as printing's events move them (issue 16,
docs/document-lifecycle.md): parked for the signer, issued (superseding earlier ones), followed
through the kecamatan print queue, revoked. Plain functions over ``ApplicationOutput`` rows; the
consumers (``applications/consumers.py``) hold the application's lock and decide what the
application itself does.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.applications.record import definition_of
from services.intake.catalogue import document_label, document_type
from services.intake.domain.status import PRINT_CANCELLED, Status, cekatan_status
from services.intake.models import Application
from services.intake.outputs.models import (
    ACTIVE,
    AWAITING_SIGNATURE,
    ISSUED,
    ORIGINAL,
    PLANNED,
    REVOKED,
    SUPERSEDED,
    ApplicationOutput,
)
from services.intake.outputs.plan import subject_hash
from silasidakep.errors import Conflict, NotFound


class PrintJobAhead(RuntimeError):
    """A print-job change arrived before the issuance of its document (or an earlier change of
    its job) it follows; the event is retried (``on_event`` redelivers it after a delay)."""


class RevocationAhead(RuntimeError):
    """A revocation arrived before the issuance of its document; retried like PrintJobAhead."""


# --- reading ------------------------------------------------------------------------------------


def outputs_of(session: Session, application_id: uuid.UUID, lock: bool = False
               ) -> list[ApplicationOutput]:
    """The application's documents in output order (the first is the principal one)."""
    query = (select(ApplicationOutput)
             .where(ApplicationOutput.application_id == application_id)
             .order_by(ApplicationOutput.position, ApplicationOutput.planned_at))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(query))


def principal(rows: list[ApplicationOutput]) -> ApplicationOutput | None:
    return rows[0] if rows else None


def by_key(rows: list[ApplicationOutput], output_key: str | None) -> ApplicationOutput | None:
    """The row of ``output_key``; None (an older producer) names the first/only output."""
    if output_key is None:
        return principal(rows)
    return next((r for r in rows if r.output_key == output_key), None)


def by_number(rows: list[ApplicationOutput], number: str | None) -> ApplicationOutput | None:
    """The row issued as ``number``; None (an older producer) names the first/only output."""
    if number is None:
        return principal(rows)
    return next((r for r in rows if r.document_number == number), None)


def issued(rows: list[ApplicationOutput]) -> list[ApplicationOutput]:
    return [r for r in rows if r.state == ISSUED and r.document_number]


def all_issued(rows: list[ApplicationOutput]) -> bool:
    return bool(rows) and all(r.state == ISSUED and r.document_number for r in rows)


def label_of(row: ApplicationOutput) -> str:
    """The catalogue's name of the document type (the type itself when it names none)."""
    return document_label(row.document_type)


def _card(document: str) -> bool:
    found = document_type(document)
    return bool(found and found.card)


# --- from printing's events ---------------------------------------------------------------------


def _row_for_event(session: Session, app: Application, rows: list[ApplicationOutput],
                   output_key: str | None, number: str, document: str,
                   at: datetime) -> ApplicationOutput:
    """The row an event names: by output key, else by number; an application in flight before
    the outputs were planned (no row) gets its row now."""
    row = by_number(rows, number) if number else None
    row = row or by_key(rows, output_key)
    if row is not None:
        return row
    key = output_key or document
    row = ApplicationOutput(
        id=uuid.uuid4(), application_id=app.id, position=len(rows), output_key=key[:40],
        document_type=document[:20], card=_card(document), kind=ORIGINAL, replaces=None,
        subject_key_hash=subject_hash(_subject_key(app, document)), content=None,
        planned_at=at, state=PLANNED, status=None, print_seq=0,
    )
    session.add(row)
    rows.append(row)
    return row


def _subject_key(app: Application, document: str) -> str:
    """A row made on the fly: a KK's subject is its KK number, another document's its holder."""
    if document == "KK":
        return str((app.form or {}).get("kk_number") or app.kk_number)
    return app.subject_nik or app.nik


def record_awaiting(session: Session, app: Application, data: dict[str, Any]) -> bool:
    """SIGNING_MODE=manual: one output's draft waits for the signer. True when it changed."""
    rows = outputs_of(session, app.id, lock=True)
    row = _row_for_event(session, app, rows, data.get("output_key"), data["document_number"],
                         data["document_type"], data["drafted_at"])
    if row.state != PLANNED:
        return False  # already waiting, or issued (events may overtake each other)
    row.state = AWAITING_SIGNATURE
    row.document_number = data["document_number"]
    session.flush()
    return True


def record_issued(session: Session, app: Application, data: dict[str, Any]
                  ) -> list[ApplicationOutput]:
    """One output is signed and stored: its row becomes ISSUED and ACTIVE, and the documents
    printing says it superseded (of any application) SUPERSEDED. The application's rows."""
    rows = outputs_of(session, app.id, lock=True)
    number = data["document_number"]
    row = _row_for_event(session, app, rows, data.get("output_key"), number,
                         data.get("document_type") or _guess(app), data["issued_at"])
    if row.state == ISSUED:
        return rows  # redelivered
    row.state, row.status = ISSUED, ACTIVE
    row.document_number = number
    row.object_key = data["object_key"]
    row.sha256 = data.get("sha256")
    row.issued_at = data["issued_at"]
    if data.get("kind"):
        row.kind = data["kind"]
    if data.get("replaces"):
        row.replaces = data["replaces"]
    session.flush()
    supersede(session, data.get("superseded") or [], number, data["issued_at"])
    return rows


def _guess(app: Application) -> str:
    """No document type given (an older caller): the service's principal one."""
    return definition_of(app).output_document or app.service_code


def supersede(session: Session, numbers: list[str], by: str, at: datetime) -> int:
    """Mark the ACTIVE documents ``numbers`` SUPERSEDED by ``by``; how many changed."""
    numbers = [n for n in numbers if n and n != by]
    if not numbers:
        return 0
    changed = 0
    for row in session.scalars(
        select(ApplicationOutput).where(ApplicationOutput.document_number.in_(numbers))
        .order_by(ApplicationOutput.id).with_for_update()
        .execution_options(populate_existing=True)
    ):
        if row.status in (ACTIVE, None) and row.state == ISSUED:
            row.status, row.superseded_by, row.superseded_at = SUPERSEDED, by, at
            changed += 1
    return changed


def expects_job(app: Application, row: ApplicationOutput) -> bool:
    """Printing gives a document a kecamatan print job when it is a card or the citizen chose
    to collect at the kecamatan (services/printing/kecamatan/print_jobs.needs_job)."""
    return bool(row.card) or app.delivery == "KECAMATAN"


def record_print_change(session: Session, app: Application, data: dict[str, Any]
                        ) -> list[ApplicationOutput] | None:
    """Apply one change of a document's print job in the job's order. None: already applied
    (or stale); raises PrintJobAhead when it arrived before the issuance or an earlier change."""
    rows = outputs_of(session, app.id, lock=True)
    row = by_number(rows, data.get("document_number"))
    seq = data["seq"]
    if row is not None and seq <= (row.print_seq or 0):
        return None
    if row is None or row.state != ISSUED or seq != (row.print_seq or 0) + 1:
        raise PrintJobAhead(f"print job change {seq} of {app.id} arrived early")
    row.print_seq = seq
    # A revoked document's job stays CANCELLED whatever a late change of it says.
    if row.print_state != PRINT_CANCELLED:
        row.print_state = data["state"]
    return rows


def application_print_status(app: Application, rows: list[ApplicationOutput]) -> Status | None:
    """Where the application stands in the kecamatan queue: the least advanced of its
    documents' jobs (see domain/status.cekatan_status); None while unknown or without jobs."""
    states = [r.print_state for r in issued(rows) if expects_job(app, r) or r.print_state]
    return cekatan_status(states)


def record_revoked(session: Session, app: Application, data: dict[str, Any]
                   ) -> ApplicationOutput | None:
    """The document is revoked: REVOKED with when and why, its print job CANCELLED when
    printing cancelled it. None when it was revoked before (nothing to tell again)."""
    rows = outputs_of(session, app.id, lock=True)
    row = by_number(rows, data["document_number"])
    if row is None or row.state != ISSUED:
        # Printing revokes only issued documents: this overtook the document's issuance.
        raise RevocationAhead(f"revocation of a document of {app.id} arrived early")
    if row.status == REVOKED:
        return None
    row.status = REVOKED
    row.revoked_at = data["revoked_at"]
    row.revocation_reason = data["reason"]
    if data.get("print_job_cancelled"):
        row.print_state = PRINT_CANCELLED
    return row


# --- what the citizen may open ------------------------------------------------------------------

REVOKED_TEXT = ("Dokumen {number} telah dicabut oleh Disdukcapil dan tidak dapat diunduh lagi."
                " Alasan: {reason}. Ajukan permohonan pembetulan atau dokumen baru, atau hubungi"
                " Disdukcapil.")


def downloadable(row: ApplicationOutput) -> bool:
    return row.state == ISSUED and bool(row.object_key) and row.status != REVOKED


def document_to_open(rows: list[ApplicationOutput], number: str | None) -> ApplicationOutput:
    """The document the citizen asks for (None: the principal one). A superseded document
    still opens (it is the citizen's history; the view marks it); a revoked one does not."""
    row = by_number(rows, number)
    if row is None:
        raise NotFound("Dokumen tidak ditemukan pada permohonan ini.", code="DOCUMENT_NOT_FOUND")
    if row.state != ISSUED or not row.object_key:
        raise Conflict("Dokumen belum terbit.", code="DOCUMENT_NOT_ISSUED")
    if row.status == REVOKED:
        raise Conflict(
            REVOKED_TEXT.format(number=row.document_number,
                                reason=(row.revocation_reason or "-").rstrip(".")),
            code="DOCUMENT_REVOKED",
        )
    return row


# --- the view -----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def document_view(row: ApplicationOutput) -> dict[str, Any]:
    """One entry of the application view's ``documents`` (docs/document-lifecycle.md)."""
    return {
        "document_number": row.document_number if row.state == ISSUED else None,
        "document_type": row.document_type,
        "label": label_of(row),
        "card": bool(row.card),
        "kind": row.kind or ORIGINAL,
        "replaces": row.replaces,
        "state": row.state,
        "status": row.status,
        "issued_at": _iso(row.issued_at),
        "superseded_by": row.superseded_by,
        "revoked_at": _iso(row.revoked_at),
        "revocation_reason": row.revocation_reason,
        "print_state": row.print_state,
        "downloadable": downloadable(row),
    }


def documents_view(rows: list[ApplicationOutput]) -> dict[str, Any]:
    return {
        "documents": [document_view(r) for r in rows],
        "outputs_issued": len(issued(rows)),
        "outputs_total": len(rows),
    }
