"""Intake's service layer: what a citizen can do with an application, and how intake follows the
rest of the pipeline. Plain functions over a SQLAlchemy session and the outbox, testable without a
broker; ``service.py`` only opens the transaction and calls them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.catalogue import ServiceDefinition, get_service, load_catalogue
from services.intake.domain.identity import Issue, check_kk_number, check_nik
from services.intake.domain.status import (
    DECISION_STATUS,
    Status,
    can_transition,
    require_editable,
    require_transition,
)
from services.intake.models import Application, Document, StatusChange
from silasidakep import metrics
from silasidakep.config import load_settings
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, Forbidden, NotFound, TooManyAttempts, ValidationFailed
from silasidakep.masking import mask_nik

REGENCY_CODE = "32.11"
KECAMATAN_PATTERN = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PIN_MAX_FAILURES = 5
PIN_LOCKOUT = timedelta(minutes=15)


def now_utc() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain fast hash cannot be reversed.
    return hashlib.sha256(token.encode()).hexdigest()


def pin_digest(application_id: uuid.UUID, pin: str) -> str:
    """A download PIN has only 10^6 values: no hash, however slow, survives an offline search by
    someone holding the database. A key the database does not hold does (PIN_HMAC_KEY), and
    online guessing is capped by the lockout."""
    key = load_settings().pin_hmac_key.encode()
    return hmac.new(key, f"{application_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def new_tracking_code() -> str:
    return "SLS-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


# --- validation ---------------------------------------------------------------------------------


def _issues_to_fields(field: str, issues: list[Issue]) -> dict[str, list[str]]:
    return {field: [i.message for i in issues]} if issues else {}


def _warnings(field: str, issues: list[Issue]) -> list[dict[str, str]]:
    return [{"field": field, "code": i.code, "message": i.message} for i in issues]


def validate_applicant(applicant: dict[str, Any]) -> list[dict[str, str]]:
    """Raise ValidationFailed on a hard-rule breach; return soft warnings for the verifier."""
    nik_check = check_nik(applicant["nik"])
    errors = {
        **_issues_to_fields("applicant.nik", nik_check.errors),
        **_issues_to_fields("applicant.kk_number", check_kk_number(applicant["kk_number"])),
    }
    kecamatan = applicant["kecamatan_code"]
    if not KECAMATAN_PATTERN.match(kecamatan) or not kecamatan.startswith(REGENCY_CODE + "."):
        errors["applicant.kecamatan_code"] = [
            "Kode kecamatan harus berformat 32.11.NN (kecamatan di Kabupaten Sumedang)."
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    return _warnings("applicant.nik", nik_check.warnings)


def validate_form(service: ServiceDefinition, form: dict[str, Any]) -> tuple[dict, list[dict]]:
    try:
        loaded = service.load_form(form)
    except ValidationError as exc:
        raise ValidationFailed(fields={"form": exc.messages}) from None
    errors: dict[str, list[str]] = {}
    warnings: list[dict[str, str]] = []
    for index, member in enumerate(loaded.get("members") or []):
        if not member.get("nik"):
            continue
        field = f"form.members.{index}.nik"
        birth_date = datetime.fromisoformat(member["birth_date"]).date()
        check = check_nik(member["nik"], birth_date=birth_date, sex=member["sex"])
        errors.update(_issues_to_fields(field, check.errors))
        warnings += _warnings(field, check.warnings)
    if errors:
        raise ValidationFailed(fields=errors)
    return loaded, warnings


# --- access -------------------------------------------------------------------------------------


def load_for_citizen(session: Session, application_id: str, token: str | None) -> Application:
    app = _get(session, application_id, lock=False)
    if not token or not hmac.compare_digest(app.access_token_hash, hash_token(token)):
        raise Forbidden("Token akses tidak berlaku untuk permohonan ini.", code="INVALID_TOKEN")
    return app


def _get(session: Session, application_id: str | uuid.UUID, lock: bool) -> Application:
    try:
        key = uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None
    query = select(Application).where(Application.id == key)
    if lock:
        query = query.with_for_update()
    app = session.scalars(query).one_or_none()
    if app is None:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND")
    return app


# --- status changes -----------------------------------------------------------------------------


def recipient(app: Application) -> dict[str, Any]:
    return {
        "name": app.name,
        "email": app.email,
        "phone": app.phone,
        "nik_masked": mask_nik(app.nik),
    }


def change_status(
    session: Session,
    outbox: Outbox,
    app: Application,
    target: Status,
    at: datetime,
    reason_code: str | None = None,
    reason_text: str | None = None,
    note: str | None = None,
) -> None:
    previous = app.status
    require_transition(previous, target)
    app.status = target
    app.updated_at = at
    seq = len(app.history) + 1
    app.history.append(
        StatusChange(
            application_id=app.id, seq=seq, status=target, at=at, round=app.round,
            reason_code=reason_code, reason_text=reason_text, note=note,
        )
    )
    outbox.add(
        session,
        "application.status_changed",
        {
            "application_id": app.id,
            "tracking_code": app.tracking_code,
            "service_code": app.service_code,
            "service_name": get_service(app.service_code).name,
            "status": target.value,
            "previous_status": previous,
            "changed_at": at,
            "reason_code": reason_code,
            "reason_text": reason_text,
            "note": note,
            "document_number": app.document_number,
            "recipient": recipient(app),
        },
    )
    metrics.APPLICATION_TRANSITIONS.labels(service_code=app.service_code, status=target).inc()


# --- citizen actions ----------------------------------------------------------------------------


def create_application(session: Session, outbox: Outbox, payload: dict[str, Any]) -> dict:
    service = get_service(payload["service_code"])
    applicant = payload["applicant"]
    warnings = validate_applicant(applicant)
    form, form_warnings = validate_form(service, payload.get("form") or {})
    token = secrets.token_urlsafe(32)
    at = now_utc()
    app = Application(
        id=uuid.uuid4(), tracking_code=new_tracking_code(), service_code=service.code,
        catalogue_version=service.catalogue_version, status=Status.DRAFT, round=0,
        nik=applicant["nik"], name=applicant["name"], kk_number=applicant["kk_number"],
        kecamatan_code=applicant["kecamatan_code"], email=applicant["email"],
        phone=applicant.get("phone"), form=form, warnings=warnings + form_warnings,
        access_token_hash=hash_token(token), created_at=at, updated_at=at, pin_failures=0,
    )
    session.add(app)
    session.add(
        StatusChange(application_id=app.id, seq=1, status=Status.DRAFT, at=at, round=0)
    )
    return {
        "id": str(app.id),
        "tracking_code": app.tracking_code,
        "status": app.status,
        "access_token": token,
    }


def attach_document(
    session: Session, application_id: str, token: str | None, upload: dict[str, Any]
) -> dict:
    app = load_for_citizen(session, application_id, token)
    require_editable(app.status)
    service = get_service(app.service_code)
    doc_type = upload["doc_type"]
    if doc_type not in service.document_types:
        raise ValidationFailed(
            fields={"doc_type": [f"Jenis dokumen {doc_type} tidak diminta untuk layanan ini."]},
            code="UNKNOWN_DOCUMENT_TYPE",
        )
    if not upload["object_key"].startswith(f"applications/{app.id}/{doc_type}/"):
        raise Forbidden("Lokasi berkas tidak sesuai dengan permohonan.", code="INVALID_OBJECT_KEY")
    for earlier in app.documents:
        if earlier.doc_type == doc_type:
            earlier.current = False
    document = Document(
        id=uuid.uuid4(), application_id=app.id, doc_type=doc_type,
        object_key=upload["object_key"], content_type=upload["content_type"],
        size=upload["size"], sha256=upload["sha256"], uploaded_at=now_utc(), current=True,
    )
    session.add(document)
    app.updated_at = document.uploaded_at
    return {"doc_type": doc_type, "size": document.size, "sha256": document.sha256}


def current_documents(app: Application) -> list[Document]:
    return [d for d in app.documents if d.current]


def submit(session: Session, outbox: Outbox, application_id: str, token: str | None) -> dict:
    app = load_for_citizen(session, application_id, token)
    app = _get(session, app.id, lock=True)
    require_editable(app.status)
    service = get_service(app.service_code)
    missing = sorted(service.required_document_types - {d.doc_type for d in current_documents(app)})
    if missing:
        raise Conflict(
            "Dokumen wajib belum diunggah: " + ", ".join(missing) + ".",
            fields={"documents": {m: ["Dokumen wajib belum diunggah."] for m in missing}},
            code="MISSING_DOCUMENTS",
        )
    at = now_utc()
    app.round += 1
    app.submitted_at = at
    app.deadline_at = at + timedelta(hours=service.target_hours)
    change_status(session, outbox, app, Status.SUBMITTED, at)
    outbox.add(session, "application.submitted", submitted_event(app))
    return {"status": app.status, "tracking_code": app.tracking_code}


def submitted_event(app: Application) -> dict[str, Any]:
    return {
        "application_id": app.id,
        "round": app.round,
        "submitted_at": app.submitted_at,
        "deadline_at": app.deadline_at,
        "application": {
            "tracking_code": app.tracking_code,
            "service_code": app.service_code,
            "output_document": get_service(app.service_code).output_document,
            "applicant": {
                "nik": app.nik, "name": app.name, "kk_number": app.kk_number,
                "kecamatan_code": app.kecamatan_code, "email": app.email, "phone": app.phone,
            },
            "form": app.form,
        },
        "documents": [
            {
                "doc_type": d.doc_type, "object_key": d.object_key,
                "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
            }
            for d in current_documents(app)
        ],
        "warnings": app.warnings,
    }


def view(session: Session, application_id: str, token: str | None) -> dict[str, Any]:
    app = load_for_citizen(session, application_id, token)
    service = get_service(app.service_code)
    present = {d.doc_type for d in current_documents(app)}
    return {
        "id": str(app.id),
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "status": app.status,
        "round": app.round,
        "created_at": app.created_at.isoformat(),
        "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
        "expected_completion_at": app.deadline_at.isoformat() if app.deadline_at else None,
        "applicant": {
            "nik_masked": mask_nik(app.nik), "name": app.name,
            "kecamatan_code": app.kecamatan_code, "email": app.email, "phone": app.phone,
        },
        "form": app.form,
        "documents": [
            {
                "doc_type": d.doc_type, "content_type": d.content_type, "size": d.size,
                "uploaded_at": d.uploaded_at.isoformat(),
            }
            for d in current_documents(app)
        ],
        "missing_documents": sorted(service.required_document_types - present),
        "history": [
            {
                "status": h.status, "at": h.at.isoformat(), "round": h.round,
                "reason_code": h.reason_code, "reason": h.reason_text, "note": h.note,
            }
            for h in app.history
        ],
        "document": (
            {"document_number": app.document_number, "issued_at": app.issued_at.isoformat()}
            if app.document_number and app.issued_at
            else None
        ),
    }


def open_document(session: Session, application_id: str, token: str | None, pin: str) -> dict:
    """Check the PIN and return where the signed PDF is. Failed attempts are counted and locked
    out; the caller commits even when this raises TooManyAttempts or Forbidden."""
    app = load_for_citizen(session, application_id, token)
    app = _get(session, app.id, lock=True)
    if app.status != Status.ISSUED or not app.pin_hash:
        raise Conflict("Dokumen belum terbit.", code="DOCUMENT_NOT_ISSUED")
    at = now_utc()
    if app.pin_locked_until and app.pin_locked_until > at:
        raise TooManyAttempts(code="PIN_LOCKED")
    if not hmac.compare_digest(app.pin_hash, pin_digest(app.id, pin or "")):
        app.pin_failures += 1
        if app.pin_failures >= PIN_MAX_FAILURES:
            app.pin_failures = 0
            app.pin_locked_until = at + PIN_LOCKOUT
        raise Forbidden("PIN salah.", code="INVALID_PIN")
    app.pin_failures = 0
    return {"object_key": app.document_object_key, "document_number": app.document_number}


# --- following the pipeline ---------------------------------------------------------------------


def _current_round(session: Session, data: dict[str, Any]) -> Application | None:
    app = _get(session, data["application_id"], lock=True)
    # Events of an earlier round (before a revision) are stale: ignore them.
    return app if app.round == data["round"] else None


def apply_claim(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _current_round(session, data)
    if app and app.status == Status.SUBMITTED:
        change_status(session, outbox, app, Status.IN_VERIFICATION, data["claimed_at"])


def apply_decision(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _current_round(session, data)
    target = DECISION_STATUS[data["decision"]]
    if app is None or not can_transition(app.status, target):
        return
    change_status(
        session, outbox, app, target, data["decided_at"],
        reason_code=data.get("reason_code"), reason_text=data.get("reason_text"),
        note=data.get("note"),
    )


def apply_issued(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _get(session, data["application_id"], lock=True)
    if app.status != Status.APPROVED:
        return
    pin = f"{secrets.randbelow(10**6):06d}"
    app.document_number = data["document_number"]
    app.document_object_key = data["object_key"]
    app.issued_at = data["issued_at"]
    app.pin_hash = pin_digest(app.id, pin)
    change_status(session, outbox, app, Status.ISSUED, data["issued_at"])
    outbox.add(
        session,
        "application.download_pin_issued",
        {
            "application_id": app.id,
            "tracking_code": app.tracking_code,
            "document_number": app.document_number,
            "pin": pin,
            "recipient": recipient(app),
        },
    )


def list_services() -> list[dict[str, Any]]:
    return [s.public() for s in load_catalogue().values()]
