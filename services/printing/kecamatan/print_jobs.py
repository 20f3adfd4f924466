"""The print queue of the applicant's kecamatan (the Cekatan programme), and card blanko.

After signing, a document the citizen chose to collect at the kecamatan (every KTP-el and KIA
card, which is printed on security blanko) becomes a print job there:

    PENDING (waiting for the signature) -> QUEUED_AT_KECAMATAN -> PRINTED -> COLLECTED

One job per document: an application issuing several documents to collect (a KK and a KIA)
has one job for each. Revoking a document cancels its job unless collected (CANCELLED; a
blanko reserved for it goes back to stock, ``cancel``), and the desk then refuses it (409
``PRINT_JOB_CANCELLED``).

Each visible step is a ``print_job.changed`` event (``seq`` counts them) that intake mirrors in
the citizen's status. Only a ``kecamatan_operator`` of the job's kecamatan moves it.

Blanko stock is kept per location (the kecamatan code) and card type, with a ledger of every
movement (RECEIVED, USED, ADJUSTED; who and when). Printing a card uses one blanko; with none on
hand the job waits in AWAITING_BLANKO, first come first served, and a temporary certificate
(Suket, template ``SUKET.yaml``) is issued at once. Stock arriving releases the oldest waiting
jobs first, each with a blanko reserved for it, back to QUEUED_AT_KECAMATAN.

Stock is taken only through ``stock`` (never below zero). Lock order everywhere: the document
(at issuance), the stock row, then print jobs (oldest first).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.printing.kecamatan.stock import (
    SYSTEM,
    ledger_entry,
    lock_stock,
    stock_rows,
    take_one,
)
from services.printing.models import IssuedDocument, PrintJob
from services.printing.states import DeskResult, DocumentState, JobState, MovementKind
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed

log = logging.getLogger(__name__)

DELIVERY_KECAMATAN = "KECAMATAN"
QUEUE_LIMIT = 500


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def is_card(snapshot: dict[str, Any]) -> bool:
    """Printed on a blanko card, as the catalogue declares the output (snapshot v2 ``output``)."""
    return bool(snapshot["output"]["card"])


def needs_job(snapshot: dict[str, Any]) -> bool:
    """Cards always go to the kecamatan; other documents when the citizen chose it."""
    return is_card(snapshot) or snapshot.get("delivery") == DELIVERY_KECAMATAN


# --- creating and activating jobs (from issuance) ------------------------------------------------


def plan_job(
    session: Session, application_id: uuid.UUID, snapshot: dict[str, Any],
    document: IssuedDocument, kecamatan_code: str | None = None,
) -> PrintJob | None:
    """Record the print job of a document being issued (state PENDING); idempotent.
    ``snapshot`` is the document's own (its output says whether it is a card); the job is at
    ``kecamatan_code``, the application's applicant's (by default the snapshot's)."""
    if not needs_job(snapshot) or document.state == DocumentState.ISSUED:
        return None
    existing = job_of_document(session, document.document_number)
    if existing is not None:
        return existing
    output = snapshot["output_document"]
    job = PrintJob(
        id=uuid.uuid4(), application_id=application_id,
        document_number=document.document_number, document_type=output,
        card_type=output if is_card(snapshot) else None,
        kecamatan_code=str(kecamatan_code or snapshot["applicant"]["kecamatan_code"])[:13],
        state=JobState.PENDING,
        seq=0, blanko_reserved=False, tracking_code=document.tracking_code,
        holder_name=document.holder_name, snapshot=dict(snapshot), created_at=now_utc(),
    )
    session.add(job)
    return job


def job_of_document(session: Session, document_number: str) -> PrintJob | None:
    return session.scalars(
        select(PrintJob).where(PrintJob.document_number == document_number)
    ).first()


def activate(
    session: Session, outbox: Outbox, document_number: str, at: datetime
) -> PrintJob | None:
    """The document is signed: its job enters the kecamatan's queue, or waits for blanko.
    Called inside issuance's finalising transaction (which holds the document's row lock)."""
    job = job_of_document(session, document_number)
    if job is None or job.state != JobState.PENDING:
        return None
    if job.card_type:
        stock = lock_stock(session, job.kecamatan_code, job.card_type)
    job = lock_job(session, job.id)
    if job.card_type and stock.quantity <= 0:
        job.state, job.awaiting_since = JobState.AWAITING_BLANKO, at
    else:
        job.state, job.queued_at = JobState.QUEUED, at
    record_change(session, outbox, job, at)
    return job


# --- the job's lock and events ----------------------------------------------------------------


def lock_job(session: Session, job_id: uuid.UUID) -> PrintJob:
    return session.scalars(
        select(PrintJob)
        .where(PrintJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def record_change(session: Session, outbox: Outbox, job: PrintJob, at: datetime) -> None:
    job.seq += 1
    outbox.add(session, "print_job.changed", {
        "application_id": job.application_id, "job_id": job.id, "seq": job.seq,
        "state": job.state, "kecamatan_code": job.kecamatan_code,
        "document_type": job.document_type, "at": at, "document_number": job.document_number,
    })


# --- the kecamatan desk ----------------------------------------------------------------------


def required_kecamatan(code: str | None) -> str:
    code = (code or "").strip()
    if not code or len(code) > 13:
        raise ValidationFailed(
            fields={"kecamatan_code": ["Kode kecamatan wajib diisi."]}, code="KECAMATAN_REQUIRED"
        )
    return code


def desk_kecamatan(
    principal: StaffPrincipal, requested: str | None, *, admin_anywhere: bool = False
) -> str:
    """The kecamatan a staff member acts for: a kecamatan operator only ever its account's own
    (``requested``, when given, must be it); an admin, where allowed, the one it names."""
    if admin_anywhere and "admin" in principal.roles:
        return required_kecamatan(requested)
    principal.require_office((requested or "").strip() or principal.kecamatan_code)
    return principal.kecamatan_code


def job_uuid(job_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("Pekerjaan cetak tidak ditemukan.", code="PRINT_JOB_NOT_FOUND") from None


def job_for_desk(session: Session, job_id: str | uuid.UUID, kecamatan_code: str) -> PrintJob:
    job = session.get(PrintJob, job_uuid(job_id))
    if job is None or job.state == JobState.PENDING:
        raise NotFound("Pekerjaan cetak tidak ditemukan.", code="PRINT_JOB_NOT_FOUND")
    if job.kecamatan_code != required_kecamatan(kecamatan_code):
        raise Forbidden(
            "Pekerjaan cetak ini milik kecamatan lain.", code="WRONG_KECAMATAN"
        )
    refuse_cancelled(job)
    return job


def refuse_cancelled(job: PrintJob) -> None:
    if job.state == JobState.CANCELLED:
        raise Conflict(
            "Dokumen ini telah dicabut; pekerjaan cetaknya dibatalkan dan tidak boleh dicetak "
            "atau diserahkan.", code="PRINT_JOB_CANCELLED",
        )


def job_view(job: PrintJob) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "application_id": str(job.application_id),
        "tracking_code": job.tracking_code,
        "document_number": job.document_number,
        "document_type": job.document_type,
        "card_type": job.card_type,
        "holder_name": job.holder_name,
        "kecamatan_code": job.kecamatan_code,
        "state": job.state,
        "blanko_reserved": job.blanko_reserved,
        "queued_at": iso(job.queued_at),
        "awaiting_since": iso(job.awaiting_since),
        "printed_at": iso(job.printed_at),
        "collected_at": iso(job.collected_at),
        "cancelled_at": iso(job.cancelled_at),
        "suket_number": job.suket_number if job.suket_object_key else None,
    }


def print_queue(session: Session, kecamatan_code: str,
                auditor: Auditor | None = None) -> dict[str, Any]:
    """The kecamatan's jobs still to hand over: waiting for blanko (oldest first), queued
    (oldest first), printed (waiting for the citizen); and the kecamatan's stock."""
    code = required_kecamatan(kecamatan_code)
    jobs = session.scalars(
        select(PrintJob)
        .where(
            PrintJob.kecamatan_code == code,
            PrintJob.state.in_((JobState.QUEUED, JobState.AWAITING_BLANKO, JobState.PRINTED)),
        )
        .order_by(PrintJob.created_at, PrintJob.id)
        .limit(QUEUE_LIMIT)
    ).all()
    order = {JobState.QUEUED: 0, JobState.AWAITING_BLANKO: 1, JobState.PRINTED: 2}

    def since(job: PrintJob) -> datetime:
        return job.awaiting_since if job.state == JobState.AWAITING_BLANKO else (
            job.printed_at if job.state == JobState.PRINTED else job.queued_at) or job.created_at

    jobs = sorted(jobs, key=lambda j: (order[j.state], since(j), str(j.id)))
    record_with(auditor, session, "VIEW_PRINT_QUEUE", detail=f"kecamatan={code} n={len(jobs)}")
    return {
        "kecamatan_code": code,
        "jobs": [job_view(j) for j in jobs],
        "stock": stock_rows(session, code),
    }


def mark_printed(
    session: Session, outbox: Outbox, job_id: str, kecamatan_code: str, username: str,
    principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    """Print the job's document. A card uses one blanko (its reserved one, or one from stock);
    with none, the job waits in AWAITING_BLANKO (``result`` BLANKO_EMPTY)."""
    job = job_for_desk(session, job_id, kecamatan_code)
    if job.card_type:
        lock_stock(session, job.kecamatan_code, job.card_type)  # stock before job
    job = lock_job(session, job.id)
    refuse_cancelled(job)  # revoked while the desk opened it
    if job.state in (JobState.PRINTED, JobState.COLLECTED):
        return {"result": DeskResult.ALREADY_PRINTED, "job": job_view(job)}
    if job.state != JobState.QUEUED:
        raise Conflict(
            "Dokumen ini sedang menunggu blanko dan belum dapat dicetak.", code="NOT_QUEUED"
        )
    at = now_utc()
    if job.card_type:
        if job.blanko_reserved:
            job.blanko_reserved = False  # its blanko was taken from stock when it was released
        else:
            left = take_one(session, job.kecamatan_code, job.card_type)
            if left is None:
                job.state, job.awaiting_since = JobState.AWAITING_BLANKO, at
                record_change(session, outbox, job, at)
                log.info("print job %s waits for %s blanko", job.id, job.card_type)
                return {"result": DeskResult.BLANKO_EMPTY, "job": job_view(job)}
            ledger_entry(session, job.kecamatan_code, job.card_type, MovementKind.USED, -1, left,
                         username, at, job_id=job.id, note="dicetak")
    job.state, job.printed_at, job.printed_by = JobState.PRINTED, at, username[:60]
    record_change(session, outbox, job, at)
    _audit(session, outbox, principal, "MARK_PRINTED", job)
    log.info("print job %s printed by %s", job.id, username)
    return {"result": DeskResult.PRINTED, "job": job_view(job)}


def mark_collected(
    session: Session, outbox: Outbox, job_id: str, kecamatan_code: str, username: str,
    principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    job = job_for_desk(session, job_id, kecamatan_code)
    job = lock_job(session, job.id)
    refuse_cancelled(job)
    if job.state == JobState.COLLECTED:
        return {"result": DeskResult.ALREADY_COLLECTED, "job": job_view(job)}
    if job.state != JobState.PRINTED:
        raise Conflict("Dokumen belum dicetak.", code="NOT_PRINTED")
    at = now_utc()
    job.state, job.collected_at, job.collected_by = JobState.COLLECTED, at, username[:60]
    job.snapshot = None  # handed over: the Suket can no longer be needed
    record_change(session, outbox, job, at)
    _audit(session, outbox, principal, "MARK_COLLECTED", job)
    log.info("print job %s collected, handed over by %s", job.id, username)
    return {"result": DeskResult.COLLECTED, "job": job_view(job)}


def release_waiting(
    session: Session, outbox: Outbox, code: str, card_type: str, available: int, at: datetime
) -> list[str]:
    """Release the oldest jobs waiting for this blanko, one reserved blanko each, while the
    ``available`` stock lasts (its row lock is held); their ids."""
    released: list[str] = []
    if available <= 0:
        return released
    waiting = session.scalars(
        select(PrintJob)
        .where(
            PrintJob.kecamatan_code == code,
            PrintJob.card_type == card_type,
            PrintJob.state == JobState.AWAITING_BLANKO,
        )
        .order_by(PrintJob.awaiting_since, PrintJob.created_at, PrintJob.id)
        .limit(available)
        .with_for_update()
    ).all()
    for job in waiting:
        left = take_one(session, code, card_type)
        if left is None:
            break
        job.blanko_reserved, job.state, job.queued_at = True, JobState.QUEUED, at
        record_change(session, outbox, job, at)
        ledger_entry(session, code, card_type, MovementKind.USED, -1, left, SYSTEM, at,
                     job_id=job.id, note="dicadangkan untuk antrean menunggu blanko")
        released.append(str(job.id))
    return released


# --- revocation -----------------------------------------------------------------------------


def cancel(
    session: Session, outbox: Outbox, document_number: str, at: datetime, by: str
) -> PrintJob | None:
    """The document was revoked (its row lock is held): cancel its job unless collected. A
    blanko reserved for it goes back to stock with a RETURNED ledger line (a printed card's
    blanko is spent). The job, when this call cancelled it."""
    job = job_of_document(session, document_number)
    if job is None or job.state in (JobState.COLLECTED, JobState.CANCELLED):
        return None
    if job.card_type:
        stock = lock_stock(session, job.kecamatan_code, job.card_type)  # stock before job
    job = lock_job(session, job.id)
    if job.state in (JobState.COLLECTED, JobState.CANCELLED):
        return None
    returned = False
    if job.card_type and job.blanko_reserved and job.state == JobState.QUEUED:
        stock.quantity += 1
        stock.updated_at = at
        session.flush()
        ledger_entry(session, job.kecamatan_code, job.card_type, MovementKind.RETURNED, 1,
                     stock.quantity, by, at, job_id=job.id, note="dokumen dicabut")
        returned = True
    job.blanko_reserved = False
    was_pending = job.state == JobState.PENDING
    job.state, job.cancelled_at = JobState.CANCELLED, at
    job.snapshot = None  # no Suket is needed any more
    if not was_pending:  # a pending job was never announced
        record_change(session, outbox, job, at)
    log.info("print job %s cancelled: document %s revoked", job.id, document_number)
    if returned:  # the returned blanko goes to the oldest card waiting for one
        session.flush()
        release_waiting(session, outbox, job.kecamatan_code, job.card_type, stock.quantity, at)
    return job


def _audit(session: Session, outbox: Outbox, principal: StaffPrincipal | None, action: str,
           job: PrintJob) -> None:
    if principal is not None:
        Auditor(outbox, principal).record(session, action, application_id=job.application_id,
                                          detail=f"job={job.id} kecamatan={job.kecamatan_code}")
