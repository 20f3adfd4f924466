"""What the public verification page (the QR code) shows of a document number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.printing.kecamatan.suket import suket_verification
from services.printing.models import IssuedDocument
from services.printing.states import DocumentState, DocumentStatus
from silasidakep.clock import WIB


def _local_date(value: datetime | None) -> str | None:
    return value.astimezone(WIB).date().isoformat() if value else None


def verification_view(session: Session, number: str) -> dict[str, Any]:
    document = session.get(IssuedDocument, number)
    if document is None and "-SUKET-" in number:  # a temporary certificate (Cekatan)
        suket = suket_verification(session, number)
        if suket is not None:
            return suket
    if document is None or document.state != DocumentState.ISSUED:
        return {"document_number": number, "status": DocumentStatus.UNKNOWN}
    return {
        "document_number": document.document_number,
        "status": document.status,
        "document_type": document.document_type,
        "holder_name": document.holder_name,
        "nik_masked": document.nik_masked,
        "issued_at": _local_date(document.issued_at),
        "signer": document.signer,
        "superseded_at": _local_date(document.superseded_at),
        "revoked_at": _local_date(document.revoked_at),
    }
