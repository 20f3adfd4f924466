"""The register of issued documents: a number allocated once per application and output (an
application issues one document per output: the akta, the updated KK, the KIA), the document
parked for the signer or finalised exactly once, earlier documents of the same subject and
type — and the one a correction or reprint ``replaces`` — superseded.

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
from services.printing.states import DocumentState, DocumentStatus, OutputKind
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


def locked_document(
    session: Session, application_id: uuid.UUID, output_key: str | None = None
) -> IssuedDocument | None:
    """The application's document for ``output_key``, locked; without a key its first one
    (an application of one output, as before several outputs)."""
    query = select(IssuedDocument).where(IssuedDocument.application_id == application_id)
    if output_key is not None:
        query = query.where(IssuedDocument.output_key == output_key)
    return session.scalars(
        query.order_by(IssuedDocument.allocated_at, IssuedDocument.document_number)
        .with_for_update()
    ).first()


def locked_number(session: Session, number: str) -> IssuedDocument | None:
    return session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.document_number == number)
        .with_for_update()
    ).first()


def allocate(
    session: Session, application_id: uuid.UUID, snapshot: dict[str, Any], document_type: str,
    output_key: str | None = None, kind: str = OutputKind.ORIGINAL, replaces: str | None = None,
) -> IssuedDocument:
    """The document of one output (``output_key``, the document type by default), allocated
    once: a redelivered event or a resumed issuance finds it."""
    output_key = output_key or document_type
    existing = locked_document(session, application_id, output_key)
    if existing is not None:
        if existing.state == DocumentState.RENDERING:
            existing.attempts += 1
        return existing
    now = now_utc()
    subject = snapshot["subject"]
    serial = next_serial(session, document_type, now.astimezone(WIB).year)
    document = IssuedDocument(
        document_number=document_number(document_type, REGENCY_CODE, now.astimezone(WIB), serial),
        application_id=application_id,
        output_key=output_key,
        document_type=document_type,
        kind=OutputKind(kind),
        replaces=(replaces or None) and replaces[:40],
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
    session: Session, outbox: Outbox, application_id: uuid.UUID, draft_key: str,
    output_key: str | None = None,
) -> bool:
    """Park the rendered draft of one output for the signer; False when another attempt
    already did."""
    document = locked_document(session, application_id, output_key)
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
        "output_key": document.output_key,
    })
    return True


def finalise(
    session: Session, outbox: Outbox, application_id: uuid.UUID, key: str, sha256: str,
    signer: str, output_key: str | None = None,
) -> IssuedDocument | None:
    """Mark the output's document ISSUED and announce it (``finalise_document``); None when
    another attempt already did."""
    document = locked_document(session, application_id, output_key)
    if document is None or document.state == DocumentState.ISSUED:
        return None
    finalise_document(session, outbox, document, key, sha256, signer)
    return document


def finalise_document(
    session: Session, outbox: Outbox, document: IssuedDocument, key: str, sha256: str,
    signer: str,
) -> list[str]:
    """Mark a locked, not yet issued document ISSUED, superseding the subject's active
    document of the same type and the one it ``replaces``, and announce it; the superseded
    numbers. A document to collect at the kecamatan enters its print queue in the same
    transaction."""
    now = now_utc()
    superseded = supersede_earlier(session, document, now)
    document.state, document.status = DocumentState.ISSUED, DocumentStatus.ACTIVE
    document.object_key, document.sha256 = key, sha256
    document.issued_at, document.signer = now, signer
    outbox.add(session, "document.issued", {
        "application_id": document.application_id,
        "document_number": document.document_number,
        "document_type": document.document_type,
        "object_key": key,
        "sha256": sha256,
        "issued_at": now,
        "output_key": document.output_key,
        "kind": document.kind,
        "replaces": document.replaces,
        "superseded": superseded,
    })
    activate(session, outbox, document.document_number, now)
    return superseded


def supersede_earlier(session: Session, document: IssuedDocument, at: Any) -> list[str]:
    """The ACTIVE documents ``document`` supersedes: those of the same subject and type, and
    the one it explicitly ``replaces`` (a correction or reprint); each gets ``superseded_by``."""
    same_subject = (
        (IssuedDocument.subject_hash == document.subject_hash)
        & (IssuedDocument.document_type == document.document_type)
    )
    condition = same_subject
    if document.replaces:
        condition = same_subject | (IssuedDocument.document_number == document.replaces)
    earlier = session.scalars(
        select(IssuedDocument)
        .where(condition, IssuedDocument.status == DocumentStatus.ACTIVE,
               IssuedDocument.document_number != document.document_number)
        .order_by(IssuedDocument.document_number)
        .with_for_update()
    ).all()
    for row in earlier:
        row.status, row.superseded_at = DocumentStatus.SUPERSEDED, at
        row.superseded_by = document.document_number
    return [row.document_number for row in earlier]
