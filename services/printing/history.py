"""The register's history of one document, for staff: the chain of documents it replaced
(``replaces``) and that superseded it (``superseded_by``), oldest first. Public verification
does not show it (a QR page says only SUPERSEDED); staff reading it is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.printing.models import IssuedDocument
from services.printing.states import DocumentState
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.errors import NotFound

NUMBER_LENGTH = 40
MAX_CHAIN = 50  # a guard against a cycle in bad data


def _entry(d: IssuedDocument) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "document_number": d.document_number, "document_type": d.document_type,
        "output_key": d.output_key, "kind": d.kind, "status": d.status,
        "application_id": str(d.application_id), "tracking_code": d.tracking_code,
        "replaces": d.replaces, "superseded_by": d.superseded_by,
        "issued_at": iso(d.issued_at), "superseded_at": iso(d.superseded_at),
        "revoked_at": iso(d.revoked_at),
    }


def document_history(session: Session, number: str,
                     auditor: Auditor | None = None) -> dict[str, Any]:
    document = session.get(IssuedDocument, (number or "")[:NUMBER_LENGTH])
    if document is None or document.state != DocumentState.ISSUED:
        raise NotFound("Dokumen tidak ditemukan.", code="DOCUMENT_NOT_FOUND")
    chain = [document]
    seen = {document.document_number}
    earlier = document
    while earlier.replaces and len(chain) < MAX_CHAIN:  # what it replaced, explicitly
        older = session.get(IssuedDocument, earlier.replaces)
        if older is None or older.document_number in seen:
            break
        chain.insert(0, older)
        seen.add(older.document_number)
        earlier = older
    later = document
    while later.superseded_by and len(chain) < MAX_CHAIN:  # what superseded it since
        newer = session.get(IssuedDocument, later.superseded_by)
        if newer is None or newer.document_number in seen:
            break
        chain.append(newer)
        seen.add(newer.document_number)
        later = newer
    # Earlier documents of the same subject and type superseded without ``replaces``.
    while chain[0].document_number and len(chain) < MAX_CHAIN:
        older = session.query(IssuedDocument).filter(
            IssuedDocument.superseded_by == chain[0].document_number,
            IssuedDocument.document_number.notin_(seen),
        ).order_by(IssuedDocument.issued_at.desc()).first()
        if older is None:
            break
        chain.insert(0, older)
        seen.add(older.document_number)
    record_with(auditor, session, "VIEW_DOCUMENT_HISTORY",
                application_id=document.application_id,
                detail=f"document={document.document_number} n={len(chain)}")
    return {"document_number": document.document_number,
            "history": [_entry(d) for d in chain]}
