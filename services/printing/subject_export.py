"""Data-subject export, printing's part (issue 14): the documents issued for the subject's
applications and their kecamatan print jobs.

Printing keeps only a masked NIK, so it looks documents up by the application ids intake
found; it answers with the register's facts (number, type, state, issued, superseded or
revoked) and never the PDF, its object key or the QR check code.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.printing.models import IssuedDocument, PrintJob


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def document_view(d: IssuedDocument) -> dict[str, Any]:
    return {
        "application_id": str(d.application_id), "document_number": d.document_number,
        "document_type": d.document_type, "output_key": d.output_key, "kind": d.kind,
        "replaces": d.replaces, "superseded_by": d.superseded_by,
        "state": d.state, "status": d.status,
        "holder_name": d.holder_name, "nik_masked": d.nik_masked, "signer": d.signer,
        "issued_at": _iso(d.issued_at), "superseded_at": _iso(d.superseded_at),
        "revoked_at": _iso(d.revoked_at), "revocation_reason": d.revocation_reason,
    }


def print_job_view(j: PrintJob) -> dict[str, Any]:
    return {
        "application_id": str(j.application_id), "document_number": j.document_number,
        "document_type": j.document_type, "kecamatan_code": j.kecamatan_code,
        "state": j.state, "queued_at": _iso(j.queued_at), "printed_at": _iso(j.printed_at),
        "collected_at": _iso(j.collected_at), "cancelled_at": _iso(j.cancelled_at),
        "suket_number": j.suket_number,
        "suket_issued_at": _iso(j.suket_issued_at),
    }


def subject_data(session: Session, application_ids: list[str]) -> dict[str, Any]:
    ids = [uuid.UUID(value) for value in application_ids]
    if not ids:
        return {"documents": [], "print_jobs": []}
    documents = session.scalars(
        select(IssuedDocument).where(IssuedDocument.application_id.in_(ids))
        .order_by(IssuedDocument.allocated_at, IssuedDocument.document_number)
    ).all()
    jobs = session.scalars(
        select(PrintJob).where(PrintJob.application_id.in_(ids)).order_by(PrintJob.created_at)
    ).all()
    return {"documents": [document_view(d) for d in documents],
            "print_jobs": [print_job_view(j) for j in jobs]}
