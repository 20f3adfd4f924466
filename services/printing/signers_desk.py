"""The signer's desk (SIGNING_MODE=manual): the queue of drafts, signing them, revoking documents.

An application with several outputs parks each document on its own; the queue lists each, and
signing an application signs every one of its waiting documents (each as below).

Signing is exactly-once per document: each document is signed in its own transaction that holds
the document's row lock (``SELECT … FOR UPDATE``) while the stored draft is signed and the signed
PDF is written to object storage, and only then finalised (state ISSUED, ``document.issued`` in
the outbox). A second signer — the same document in two batches, a double click — waits for the
lock, finds the document ISSUED and changes nothing. The signed PDF is exactly the draft the
signer reviewed, with the PAdES signature appended.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.printing import production, register
from services.printing.kecamatan import print_jobs
from services.printing.models import IssuedDocument
from services.printing.states import DocumentState, DocumentStatus, SigningResult
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

MAX_BATCH = 50
QUEUE_LIMIT = 500
NUMBER_LENGTH = 40  # IssuedDocument.document_number



def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def queue(session: Session, limit: int = QUEUE_LIMIT,
          auditor: Auditor | None = None) -> dict[str, Any]:
    """Drafts waiting for the signer, oldest first (names and masked NIKs: audited)."""
    documents = session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.state == DocumentState.AWAITING_SIGNATURE)
        .order_by(IssuedDocument.drafted_at, IssuedDocument.document_number)
        .limit(limit)
    ).all()
    record_with(auditor, session, "VIEW_SIGNING_QUEUE", detail=f"n={len(documents)}")
    return {
        "documents": [
            {
                "document_number": d.document_number,
                "document_type": d.document_type,
                "output_key": d.output_key,
                "kind": d.kind,
                "replaces": d.replaces,
                "holder_name": d.holder_name,
                "nik_masked": d.nik_masked or None,
                "application_id": str(d.application_id),
                "tracking_code": d.tracking_code,
                "waiting_since": _iso(d.drafted_at),
            }
            for d in documents
        ]
    }


def draft_ref(session: Session, number: str, auditor: Auditor | None = None) -> dict[str, Any]:
    """Where the unsigned draft of a waiting document is stored (for review)."""
    document = session.get(IssuedDocument, number[:NUMBER_LENGTH])
    if document is None:
        raise NotFound("Dokumen tidak ditemukan.", code="DOCUMENT_NOT_FOUND")
    if document.state != DocumentState.AWAITING_SIGNATURE or not document.draft_object_key:
        raise Conflict(
            "Dokumen ini tidak sedang menunggu tanda tangan.", code="NOT_AWAITING_SIGNATURE"
        )
    record_with(auditor, session, "VIEW_DRAFT", application_id=document.application_id,
                detail=f"document={document.document_number}")
    return {"document_number": document.document_number, "object_key": document.draft_object_key}


_locked = register.locked_number


def _outcome(number: str, result: SigningResult, document: IssuedDocument | None) -> dict[str, Any]:
    return {
        "document_number": number,
        "result": result,
        "state": document.state if document is not None else None,
        "document_type": document.document_type if document is not None else None,
        "application_id": str(document.application_id) if document is not None else None,
    }


def sign_one(
    sessions: sessionmaker,
    outbox: Outbox,
    issuer: production.Issuer,
    number: str,
    staff_username: str,
    principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    """Sign one waiting document; a no-op reporting its state when it is not waiting."""
    signed_key: str | None = None
    draft_key: str | None = None
    try:
        with sessions() as session, session.begin():
            document = _locked(session, number)
            if document is None:
                return _outcome(number, SigningResult.NOT_FOUND, None)
            if document.state == DocumentState.ISSUED:
                return _outcome(number, SigningResult.ALREADY_SIGNED, document)
            if document.state != DocumentState.AWAITING_SIGNATURE or not document.draft_object_key:
                return _outcome(number, SigningResult.NOT_AWAITING_SIGNATURE, document)
            draft_key = document.draft_object_key
            draft = issuer.objects.get(issuer.bucket, draft_key)
            signed = production.sign_pdf(issuer, draft)
            # The signed PDF is in object storage before the document is final.
            signed_key, sha256 = production.store_attempt(issuer, number, signed)
            register.finalise_document(
                session, outbox, document, signed_key, sha256, issuer.signer_name
            )
            document.signed_by = staff_username[:60]
            document.draft_object_key = None
            if principal is not None:
                Auditor(outbox, principal).record(
                    session, "SIGN_DOCUMENT", application_id=document.application_id,
                    detail=f"document={number}")
            outcome = _outcome(number, SigningResult.SIGNED, document)
    except Exception:
        if signed_key is not None:  # not committed: leave no orphan signed copy behind
            _delete_quietly(issuer, signed_key)
        raise
    # The unsigned draft is no longer needed once the signed document is committed.
    _delete_quietly(issuer, draft_key)
    log.info("document %s signed by %s", number, staff_username)
    return outcome


def _delete_quietly(issuer: production.Issuer, key: str | None) -> None:
    if not key:
        return
    try:
        issuer.objects.delete(issuer.bucket, key)
    except Exception:
        log.warning("could not delete object %s; it is orphaned", key)


def requested_numbers(numbers: Iterable[Any]) -> list[str]:
    """The batch's document numbers, deduplicated in order, validated."""
    cleaned = list(dict.fromkeys(str(n).strip() for n in numbers if str(n).strip()))
    if not cleaned:
        raise ValidationFailed(
            fields={"document_numbers": ["Pilih minimal satu dokumen."]}, code="EMPTY_BATCH"
        )
    if len(cleaned) > MAX_BATCH:
        raise ValidationFailed(
            fields={"document_numbers": [f"Paling banyak {MAX_BATCH} dokumen per tanda tangan."]},
            code="BATCH_TOO_LARGE",
        )
    if any(len(n) > NUMBER_LENGTH for n in cleaned):
        raise ValidationFailed(
            fields={"document_numbers": ["Nomor dokumen tidak valid."]}, code="INVALID_NUMBER"
        )
    return cleaned


def sign_batch(
    sessions: sessionmaker,
    outbox: Outbox,
    issuer: production.Issuer,
    numbers: Iterable[Any],
    staff_username: str,
    principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    """Sign each document on its own; one failure does not stop the others."""
    results = []
    for number in requested_numbers(numbers):
        try:
            results.append(sign_one(sessions, outbox, issuer, number, staff_username,
                                    principal))
        except Exception:
            log.exception("signing %s failed", number)
            results.append(_outcome(number, SigningResult.FAILED, None))
    summary = {
        key: sum(1 for r in results if r["result"] == key)
        for key in SigningResult
    }
    return {"results": results, "summary": summary}


def _application_uuid(application_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None


def numbers_for_application(session: Session, application_id: str) -> list[str]:
    """What signing an application signs: its documents waiting for the signer, in output
    order; none waiting: its first document (whose outcome says why, e.g. ALREADY_SIGNED)."""
    app_id = _application_uuid(application_id)
    documents = session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.application_id == app_id)
        .order_by(IssuedDocument.allocated_at, IssuedDocument.document_number)
    ).all()
    if not documents:
        raise NotFound(
            "Belum ada dokumen untuk permohonan ini.", code="DOCUMENT_NOT_FOUND"
        )
    waiting = [d.document_number for d in documents
               if d.state == DocumentState.AWAITING_SIGNATURE]
    return waiting or [documents[0].document_number]


def number_for_application(session: Session, application_id: str) -> str:
    """The application's first document (its principal one)."""
    return numbers_for_application(session, application_id)[0]


def sign_application(
    sessions: sessionmaker, outbox: Outbox, issuer: production.Issuer, application_id: str,
    staff_username: str, principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    """Sign every waiting document of one application, each on its own (``sign_one``). The
    answer is the first document's outcome, as for an application of one document, with
    ``results`` for each."""
    with sessions() as session:
        numbers = numbers_for_application(session, application_id)
    results = [sign_one(sessions, outbox, issuer, number, staff_username, principal)
               for number in numbers]
    return {**results[0], "results": results}


def revoke(
    session: Session, number: str, reason: str, staff_username: str,
    auditor: Auditor | None = None, *, outbox: Outbox | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    """Mark an issued document REVOKED (public verification shows it) and, in the same
    transaction, cancel its kecamatan print job unless collected and announce
    ``document.revoked`` through ``outbox`` (the service always passes one; ``role`` is the
    revoker's, never a name). Idempotent: an already revoked document is answered again,
    without a second event. A superseded document cannot be revoked: the newer one can."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": ["Wajib diisi."]}, code="REASON_REQUIRED")
    document = _locked(session, number[:NUMBER_LENGTH])
    if document is None:
        raise NotFound("Dokumen tidak ditemukan.", code="DOCUMENT_NOT_FOUND")
    if document.state != DocumentState.ISSUED:
        raise Conflict(
            "Hanya dokumen yang sudah terbit yang dapat dicabut.", code="DOCUMENT_NOT_ISSUED"
        )
    if document.status == DocumentStatus.SUPERSEDED:
        newer = f" ({document.superseded_by})" if document.superseded_by else ""
        raise Conflict(
            f"Dokumen ini sudah digantikan oleh dokumen yang lebih baru{newer}; cabut dokumen "
            "yang lebih baru itu.", code="DOCUMENT_SUPERSEDED",
        )
    if document.status != DocumentStatus.REVOKED:
        now = now_utc()
        document.status = DocumentStatus.REVOKED
        document.revoked_at = now
        document.revoked_by = staff_username[:60]
        document.revocation_reason = reason[:1000]
        if outbox is not None:
            job_cancelled = print_jobs.cancel(
                session, outbox, document.document_number, now, staff_username
            ) is not None
            outbox.add(session, "document.revoked", {
                "application_id": document.application_id,
                "document_number": document.document_number,
                "document_type": document.document_type,
                "output_key": document.output_key,
                "reason": document.revocation_reason,
                "revoked_at": now,
                "revoked_by_role": role or "signer",
                "print_job_cancelled": job_cancelled,
            })
        # The reason is free text (it may name the holder): not in the audit detail.
        record_with(auditor, session, "REVOKE_DOCUMENT", application_id=document.application_id,
                    detail=f"document={document.document_number}")
        log.info("document %s revoked by %s", number, staff_username)
    job = print_jobs.job_of_document(session, document.document_number)
    return {
        "document_number": document.document_number,
        "status": document.status,
        "revoked_at": _iso(document.revoked_at),
        "print_job_state": job.state if job is not None else None,
    }
