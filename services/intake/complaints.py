"""Complaints and feedback (pengaduan dan saran): a citizen files one, follows it with a tracking
code and its own access token, and staff answer it. Every filing and answer reaches the citizen
by email through ``complaint.filed`` / ``complaint.answered``.

Plain functions over a SQLAlchemy session and the outbox; ``service.py`` checks staff roles.
The request rules live here and only here: the gateway passes the JSON body through as it came.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import access_log, inputs
from services.intake.applications.record import TRACKING_ALPHABET, hash_token
from services.intake.inputs import Text
from services.intake.models import Application, Complaint
from silasidakep.audit_trail import Auditor
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed
from silasidakep.text import storable

OPEN, ANSWERED, CLOSED = "OPEN", "ANSWERED", "CLOSED"
STATUSES = (OPEN, ANSWERED, CLOSED)
KINDS = {"COMPLAINT": "Pengaduan", "FEEDBACK": "Saran dan masukan"}
CATEGORIES = {
    "LAYANAN_LAMBAT": "Layanan lambat",
    "PETUGAS": "Sikap atau pelayanan petugas",
    "APLIKASI_BERMASALAH": "Aplikasi bermasalah",
    "JADWAL_KEDATANGAN": "Jadwal kedatangan (perekaman, pengambilan)",
    "DOKUMEN_SALAH": "Kesalahan data pada dokumen",
    "SARAN": "Saran",
    "LAINNYA": "Lainnya",
}
MAX_MESSAGE = 2000
MAX_ANSWER = 4000
STAFF_PAGE = 100


def new_tracking_code() -> str:
    return "ADU-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def categories() -> dict[str, Any]:
    return {
        "kinds": [{"code": c, "label": label} for c, label in KINDS.items()],
        "categories": [{"code": c, "label": label} for c, label in CATEGORIES.items()],
    }


class ComplaintIn(Schema):
    class Meta:
        unknown = RAISE

    kind = Text(required=True, validate=validate.OneOf(tuple(KINDS)))
    category = Text(required=True, validate=validate.OneOf(tuple(CATEGORIES)))
    message = Text(required=True, validate=validate.Length(min=10, max=MAX_MESSAGE))
    application_tracking_code = Text(
        load_default=None, allow_none=True, validate=validate.Length(max=16)
    )
    name = Text(required=True, validate=validate.Length(min=1, max=60))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = Text(
        load_default=None, allow_none=True,
        validate=validate.Regexp(r"^(\+62|0)8[0-9]{7,12}\Z", error="Nomor ponsel tidak valid."),
    )


def _event(complaint: Complaint, at: datetime) -> dict[str, Any]:
    return {
        "complaint_id": complaint.id,
        "tracking_code": complaint.tracking_code,
        "kind": complaint.kind,
        "category": complaint.category,
        "application_tracking_code": complaint.application_tracking_code,
        "status": complaint.status,
        "answer": complaint.answer,
        "at": at,
        "recipient": {
            "name": complaint.name, "email": complaint.email, "phone": complaint.phone,
            "nik_masked": None,
        },
    }


def _view(complaint: Complaint) -> dict[str, Any]:
    return {
        "tracking_code": complaint.tracking_code,
        "kind": complaint.kind,
        "kind_label": KINDS.get(complaint.kind, complaint.kind),
        "category": complaint.category,
        "category_label": CATEGORIES.get(complaint.category, complaint.category),
        "message": complaint.message,
        "application_tracking_code": complaint.application_tracking_code,
        "status": complaint.status,
        "answer": complaint.answer,
        "answered_at": complaint.answered_at.isoformat() if complaint.answered_at else None,
        "created_at": complaint.created_at.isoformat(),
    }


def staff_view(complaint: Complaint) -> dict[str, Any]:
    return {
        **_view(complaint),
        "id": str(complaint.id),
        "name": complaint.name,
        "email": complaint.email,
        "phone": complaint.phone,
        "answered_by": complaint.answered_by,
    }


def file_complaint(
    session: Session, outbox: Outbox, payload: Any, now: datetime | None = None
) -> dict[str, Any]:
    values = inputs.load(ComplaintIn(), payload)
    values["message"] = values["message"].strip()
    if len(values["message"]) < 10:
        raise ValidationFailed(fields={"message": ["Tuliskan paling sedikit 10 karakter."]})
    reference = (values.get("application_tracking_code") or "").strip().upper() or None
    if reference is not None and session.scalar(
        select(Application.id).where(Application.tracking_code == reference)
    ) is None:
        raise ValidationFailed(
            fields={"application_tracking_code": ["Nomor permohonan tidak ditemukan."]},
            code="APPLICATION_NOT_FOUND",
        )
    now = now or now_utc()
    token = secrets.token_urlsafe(32)
    complaint = Complaint(
        id=uuid.uuid4(), tracking_code=new_tracking_code(), kind=values["kind"],
        category=values["category"], message=values["message"],
        application_tracking_code=reference, name=values["name"].strip(),
        email=values["email"], phone=values.get("phone"), access_token_hash=hash_token(token),
        status=OPEN, created_at=now,
    )
    session.add(complaint)
    session.flush()
    outbox.add(session, "complaint.filed", _event(complaint, now))
    return {
        "id": str(complaint.id),
        "tracking_code": complaint.tracking_code,
        "status": complaint.status,
        "access_token": token,
    }


def _by_tracking_code(session: Session, tracking_code: str, lock: bool = False) -> Complaint:
    code = str(tracking_code).upper()
    query = select(Complaint).where(Complaint.tracking_code == code)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    complaint = session.scalars(query).one_or_none() if storable(code) else None
    if complaint is None:
        raise NotFound("Pengaduan tidak ditemukan.", code="COMPLAINT_NOT_FOUND")
    return complaint


def view(session: Session, tracking_code: str, token: str | None) -> dict[str, Any]:
    complaint = _by_tracking_code(session, tracking_code)
    if not token or not hmac.compare_digest(complaint.access_token_hash, hash_token(token)):
        raise Forbidden("Token akses tidak berlaku untuk pengaduan ini.", code="INVALID_TOKEN")
    return _view(complaint)


def list_for_staff(
    session: Session, status: str | None = None, limit: int = STAFF_PAGE, offset: int = 0,
    auditor: Auditor | None = None,
) -> dict[str, Any]:
    """Open ones oldest first (the backlog); otherwise newest first."""
    query = select(Complaint)
    if status:
        if status not in STATUSES:
            raise ValidationFailed(fields={"status": ["Pilih OPEN, ANSWERED, atau CLOSED."]})
        query = query.where(Complaint.status == status)
    oldest_first = status == OPEN
    query = query.order_by(
        Complaint.created_at.asc() if oldest_first else Complaint.created_at.desc()
    )
    limit = max(1, min(int(limit), STAFF_PAGE))
    rows = session.scalars(query.limit(limit).offset(max(0, int(offset)))).all()
    # Complaints carry names and contacts: reading the list is audited.
    access_log.record(session, auditor, "VIEW_COMPLAINTS",
                      detail=f"status={status or 'all'} n={len(rows)}")
    return {"complaints": [staff_view(c) for c in rows], "limit": limit, "offset": offset}


def answer(
    session: Session, outbox: Outbox, tracking_code: str, text: str, staff_username: str,
    now: datetime | None = None, principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > MAX_ANSWER or not storable(text):
        raise ValidationFailed(fields={"answer": [f"Isi jawaban 1–{MAX_ANSWER} karakter."]})
    complaint = _by_tracking_code(session, tracking_code, lock=True)
    if complaint.status != OPEN:
        raise Conflict("Pengaduan ini sudah dijawab atau ditutup.", code="ALREADY_ANSWERED")
    now = now or now_utc()
    complaint.status = ANSWERED
    complaint.answer = text
    complaint.answered_by = staff_username
    complaint.answered_at = now
    session.flush()
    outbox.add(session, "complaint.answered", _event(complaint, now))
    if principal is not None:
        access_log.record(session, Auditor(outbox, principal), "ANSWER_COMPLAINT",
                          application_id=_application_of(session, complaint),
                          detail=f"complaint={complaint.tracking_code}")
    return staff_view(complaint)


def _application_of(session: Session, complaint: Complaint) -> uuid.UUID | None:
    """The application a complaint is about, if it names one (it shows in that file's log)."""
    if not complaint.application_tracking_code:
        return None
    return session.scalar(select(Application.id).where(
        Application.tracking_code == complaint.application_tracking_code))
