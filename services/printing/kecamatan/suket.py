"""The temporary certificate (Suket) a card job waiting for blanko gets at once: rendered from
``templates/SUKET.yaml``, signed, stored once; its QR code shows ACTIVE until the card is
printed."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.printing import production
from services.printing.documents.numbering import document_number
from services.printing.documents.render import render_document
from services.printing.documents.templates import build_content, template_context
from services.printing.kecamatan.print_jobs import job_for_desk, lock_job
from services.printing.models import IssuedDocument, PrintJob, new_check_code
from services.printing.serials import REGENCY_CODE, next_serial
from services.printing.states import DocumentStatus, JobState
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.clock import WIB, now_utc
from silasidakep.errors import Conflict

log = logging.getLogger(__name__)

SUKET = "SUKET"  # the template and the document type in a Suket's number


def jobs_needing_suket(session: Session, limit: int = 20) -> list[uuid.UUID]:
    return list(session.scalars(
        select(PrintJob.id)
        .where(PrintJob.state == JobState.AWAITING_BLANKO, PrintJob.suket_object_key.is_(None),
               PrintJob.snapshot.is_not(None))
        .order_by(PrintJob.awaiting_since)
        .limit(limit)
    ))


def suket_pdf(
    issuer: production.Issuer, number: str, snapshot: dict[str, Any],
    check_code: str | None = None,
) -> bytes:
    """The unsigned Suket of a card application, from ``templates/SUKET.yaml``; its QR code
    carries `check_code`."""
    template = production.TEMPLATES[SUKET]
    subject = snapshot.get("subject") or {}
    issue = production.issue_data(issuer, number, check_code=check_code)
    context = template_context(template, snapshot, issue, subject.get("name", ""),
                               subject.get("nik"))
    content = build_content(template, context, issue)
    return render_document(content)


def issue_suket(
    sessions: sessionmaker, issuer: production.Issuer, job_id: uuid.UUID,
    run: Callable[..., bytes] = lambda f, *a: f(*a),
) -> str | None:
    """Render, sign and store the Suket of a job waiting for blanko, once; its object key.

    ``run`` runs the CPU-bound rendering (the service passes eventlet's ``tpool.execute``)."""
    with sessions() as session, session.begin():
        job = lock_job(session, job_id)
        if job.suket_object_key:
            return job.suket_object_key
        if job.snapshot is None:
            return None
        if job.suket_number is None:
            local = now_utc().astimezone(WIB)
            serial = next_serial(session, SUKET, local.year)
            job.suket_number = document_number(SUKET, REGENCY_CODE, local, serial)
            job.suket_check_code = new_check_code()
        number, snapshot, check_code = job.suket_number, job.snapshot, job.suket_check_code
    signed = production.sign_pdf(issuer, run(suket_pdf, issuer, number, snapshot, check_code))
    key, _ = production.store_attempt(issuer, number, signed)
    with sessions() as session, session.begin():
        job = lock_job(session, job_id)
        if job.suket_object_key:  # another attempt won
            issuer.objects.delete(issuer.bucket, key)
            return job.suket_object_key
        if job.state == JobState.CANCELLED:  # revoked meanwhile: no Suket for it
            issuer.objects.delete(issuer.bucket, key)
            return None
        job.suket_object_key, job.suket_issued_at = key, now_utc()
    log.info("suket %s issued for print job %s", number, job_id)
    return key


def suket_ref(session: Session, job_id: str, kecamatan_code: str,
              auditor: Auditor | None = None) -> dict[str, Any]:
    job = job_for_desk(session, job_id, kecamatan_code)
    if not job.suket_number:
        raise Conflict("Pekerjaan cetak ini tidak memiliki surat keterangan.", code="NO_SUKET")
    record_with(auditor, session, "VIEW_SUKET", application_id=job.application_id,
                detail=f"suket={job.suket_number}")
    return {"job_id": str(job.id), "suket_number": job.suket_number,
            "object_key": job.suket_object_key}


def suket_verification(session: Session, number: str) -> dict[str, Any] | None:
    """What the QR code of a Suket shows: active until the card is printed. Every detail;
    ``public_lookup`` cuts it down unless the caller has the Suket's check code
    (``check_code``, not part of the answer)."""
    job = session.scalars(select(PrintJob).where(PrintJob.suket_number == number)).first()
    if job is None or not job.suket_object_key:
        return None
    document = session.get(IssuedDocument, job.document_number)
    replaced = job.printed_at
    # A revoked document's job is cancelled: its Suket is void with it.
    revoked = job.cancelled_at if job.state == JobState.CANCELLED and not replaced else None
    status = (DocumentStatus.REVOKED if revoked else
              DocumentStatus.SUPERSEDED if replaced else DocumentStatus.ACTIVE)
    return {
        "document_number": number,
        "status": status,
        "document_type": SUKET,
        "holder_name": job.holder_name,
        "nik_masked": document.nik_masked if document else "",
        "issued_at": job.suket_issued_at.date().isoformat(),
        "signer": document.signer if document else None,
        "superseded_at": replaced.date().isoformat() if replaced else None,
        "revoked_at": revoked.date().isoformat() if revoked else None,
        "check_code": job.suket_check_code,
    }
