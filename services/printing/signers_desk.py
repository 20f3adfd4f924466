"""The signer's desk (SIGNING_MODE=manual): the queue of drafts, signing them, revoking documents.

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


def _locked(session: Session, number: str) -> IssuedDocument | None:
    return session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.document_number == number)
        .with_for_update()
    ).first()


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
            register.finalise(
                session, outbox, document.application_id, signed_key, sha256,
                issuer.signer_name,
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


def number_for_application(session: Session, application_id: str) -> str:
    try:
        app_id = uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None
    number = session.scalars(
        select(IssuedDocument.document_number).where(IssuedDocument.application_id == app_id)
    ).first()
    if number is None:
        raise NotFound(
            "Belum ada dokumen untuk permohonan ini.", code="DOCUMENT_NOT_FOUND"
        )
    return number


def revoke(
    session: Session, number: str, reason: str, staff_username: str,
    auditor: Auditor | None = None,
) -> dict[str, Any]:
    """Mark an issued document REVOKED (public verification shows it); idempotent."""
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
    if document.status != DocumentStatus.REVOKED:
        document.status = DocumentStatus.REVOKED
        document.revoked_at = now_utc()
        document.revoked_by = staff_username[:60]
        document.revocation_reason = reason[:1000]
        # The reason is free text (it may name the holder): not in the audit detail.
        record_with(auditor, session, "REVOKE_DOCUMENT", application_id=document.application_id,
                    detail=f"document={document.document_number}")
        log.info("document %s revoked by %s", number, staff_username)
    return {
        "document_number": document.document_number,
        "status": document.status,
        "revoked_at": _iso(document.revoked_at),
    }
