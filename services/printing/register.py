"""The register of issued documents: a number allocated once per application, the document
parked for the signer or finalised exactly once, earlier documents of the same subject
superseded.

Three steps, because rendering and storage cannot join a database transaction:
1. ``allocate``: record the document number (state RENDERING) — a redelivered event finds it;
2. render, sign and store the PDF under a key unique to this attempt (``production``);
3. ``finalise``: mark ISSUED and add ``document.issued`` to the outbox, unless another attempt
   already did, in which case the caller deletes its own copy.
With ``SIGNING_MODE=manual`` step 3 is ``await_signature`` instead (``signers_desk`` finalises).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.printing.documents.numbering import document_number
from services.printing.kecamatan.print_jobs import activate
from services.printing.models import IssuedDocument
from services.printing.serials import REGENCY_CODE, next_serial
from services.printing.states import DocumentState, DocumentStatus
from silasidakep.clock import WIB, now_utc
from silasidakep.db import Outbox
from silasidakep.masking import mask_nik

HOLDER_NAME_LENGTH = 60  # IssuedDocument.holder_name


def subject_hash(subject_key: str) -> str:
    """Hash of the subject key (the snapshot's ``subject.key``; a KK's is its KK number): a new
    document of the same type with the same key supersedes the active one."""
    return hashlib.sha256(subject_key.encode()).hexdigest()


def display_name(name: str) -> str:
    """`name` cut to fit the register's holder_name column."""
    name = " ".join(name.split())
    if len(name) <= HOLDER_NAME_LENGTH:
        return name
    return name[: HOLDER_NAME_LENGTH - 1].rstrip() + "\u2026"


def locked_document(session: Session, application_id: uuid.UUID) -> IssuedDocument | None:
    return session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.application_id == application_id)
        .with_for_update()
    ).first()


def allocate(
    session: Session, application_id: uuid.UUID, snapshot: dict[str, Any], document_type: str
) -> IssuedDocument:
    existing = locked_document(session, application_id)
    if existing is not None:
        return existing
    now = now_utc()
    subject = snapshot["subject"]
    serial = next_serial(session, document_type, now.astimezone(WIB).year)
    document = IssuedDocument(
        document_number=document_number(document_type, REGENCY_CODE, now.astimezone(WIB), serial),
        application_id=application_id,
        document_type=document_type,
        state=DocumentState.RENDERING,
        subject_hash=subject_hash(subject["key"]),
        holder_name=display_name(subject["name"]),
        # The column is not nullable: "" = a subject without a NIK (a newborn, a couple).
        nik_masked=mask_nik(subject["nik"]) if subject.get("nik") else "",
        allocated_at=now,
        tracking_code=str(snapshot.get("tracking_code") or "")[:16] or None,
    )
    session.add(document)
    return document


def await_signature(
    session: Session, outbox: Outbox, application_id: uuid.UUID, draft_key: str
) -> bool:
    """Park the rendered draft for the signer; False when another attempt already did."""
    document = locked_document(session, application_id)
    if document is None or document.state != DocumentState.RENDERING:
        return False
    now = now_utc()
    document.state, document.draft_object_key, document.drafted_at = (
        DocumentState.AWAITING_SIGNATURE, draft_key, now,
    )
    outbox.add(session, "document.awaiting_signature", {
        "application_id": application_id,
        "document_number": document.document_number,
        "document_type": document.document_type,
        "drafted_at": now,
    })
    return True


def finalise(
    session: Session, outbox: Outbox, application_id: uuid.UUID, key: str, sha256: str,
    signer: str,
) -> bool:
    """Mark the document ISSUED (superseding the subject's earlier one) and announce it; False
    when another attempt already did. A document to collect at the kecamatan enters its print
    queue in the same transaction."""
    document = locked_document(session, application_id)
    if document is None or document.state == DocumentState.ISSUED:
        return False
    now = now_utc()
    for earlier in session.scalars(
        select(IssuedDocument).where(
            IssuedDocument.subject_hash == document.subject_hash,
            IssuedDocument.document_type == document.document_type,
            IssuedDocument.status == DocumentStatus.ACTIVE,
        )
    ):
        earlier.status, earlier.superseded_at = DocumentStatus.SUPERSEDED, now
    document.state, document.status = DocumentState.ISSUED, DocumentStatus.ACTIVE
    document.object_key, document.sha256 = key, sha256
    document.issued_at, document.signer = now, signer
    outbox.add(session, "document.issued", {
        "application_id": application_id,
        "document_number": document.document_number,
        "document_type": document.document_type,
        "object_key": key,
        "sha256": sha256,
        "issued_at": now,
    })
    activate(session, outbox, application_id, now)
    return True
