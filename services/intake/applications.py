"""Intake's service layer: what a citizen can do with an application, and how intake follows the
rest of the pipeline. Plain functions over a SQLAlchemy session and the outbox, testable without a
broker; ``service.py`` only opens the transaction and calls them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from services.intake import forms
from services.intake.catalogue import ServiceDefinition, get_service, holidays, load_catalogue
from services.intake.domain import workdays
from services.intake.domain.status import (
    CANCELLABLE,
    DECISION_STATUS,
    DOWNLOADABLE,
    EDITABLE,
    STATUS_TEXT,
    Status,
    can_transition,
    expected_path,
    require_editable,
    require_transition,
)
from services.intake.models import Application, Document, StatusChange
from silasidakep import metrics
from silasidakep.config import load_settings
from silasidakep.contracts import DEFAULT_NOTIFY_CHANNELS
from silasidakep.db import Outbox
from silasidakep.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyAttempts,
    ValidationFailed,
    in_indonesian,
)
from silasidakep.masking import mask_nik

TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
DELIVERIES = ("DOWNLOAD", "KECAMATAN")
# Cards are printed on security blanko at the kecamatan and collected there.
CARD_OUTPUTS = frozenset({"KTP_EL", "KIA"})
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


def today_wib() -> date:
    return now_utc().astimezone(workdays.WIB).date()


def validate_applicant(applicant: dict[str, Any]) -> list[dict[str, str]]:
    """Raise ValidationFailed on a hard-rule breach; return soft warnings for the verifier."""
    found = forms.check_applicant(applicant)
    if found.errors:
        raise ValidationFailed(fields=found.errors)
    return found.warnings


def validate_form(service: ServiceDefinition, form: dict[str, Any]) -> tuple[dict, list[dict]]:
    try:
        loaded = service.load_form(form)
    except ValidationError as exc:
        raise ValidationFailed(fields={"form": in_indonesian(exc.messages)}) from None
    found = forms.check_form(service, loaded, today_wib())
    if found.errors:
        raise ValidationFailed(fields=found.errors)
    return loaded, found.warnings


def definition_of(app: Application) -> ServiceDefinition:
    """The catalogue entry the application was created under (older rows: the current one)."""
    if app.service_definition:
        return ServiceDefinition.from_public(app.service_definition)
    return get_service(app.service_code)


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
        # populate_existing: the row may already be in the session from an unlocked read.
        query = query.with_for_update().execution_options(populate_existing=True)
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
        "channels": list(app.notify_channels or DEFAULT_NOTIFY_CHANNELS),
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
    fix_fields: list[str] | None = None,
    fix_documents: list[str] | None = None,
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
            fix_fields=fix_fields or [], fix_documents=fix_documents or [],
        )
    )
    outbox.add(
        session,
        "application.status_changed",
        {
            "application_id": app.id,
            "tracking_code": app.tracking_code,
            "service_code": app.service_code,
            "service_name": definition_of(app).name,
            "status": target.value,
            "previous_status": previous,
            "changed_at": at,
            "reason_code": reason_code,
            "reason_text": reason_text,
            "note": note,
            "fix_fields": fix_fields or [],
            "fix_documents": fix_documents or [],
            "fix_labels": _fix_labels(definition_of(app), fix_fields or [], fix_documents or []),
            "expected_completion_at": app.deadline_at,
            "document_number": app.document_number,
            "recipient": recipient(app),
        },
    )
    metrics.APPLICATION_TRANSITIONS.labels(service_code=app.service_code, status=target).inc()
    metrics.observe_transition(app, target, at)


# --- citizen actions ----------------------------------------------------------------------------


def create_application(session: Session, outbox: Outbox, payload: dict[str, Any]) -> dict:
    service = get_service(payload["service_code"])
    applicant = payload["applicant"]
    warnings = validate_applicant(applicant)
    form, form_warnings = validate_form(service, payload.get("form") or {})
    token = secrets.token_urlsafe(32)
    at = now_utc()
    delivery = delivery_for(service, payload.get("delivery"))
    app = Application(
        id=uuid.uuid4(), tracking_code=new_tracking_code(), service_code=service.code,
        catalogue_version=service.catalogue_version, service_definition=service.public(),
        status=Status.DRAFT, round=0,
        nik=applicant["nik"], name=applicant["name"], kk_number=applicant["kk_number"],
        kecamatan_code=applicant["kecamatan_code"], email=applicant["email"],
        phone=applicant.get("phone"), notify_channels=applicant.get("channels"),
        form=form, warnings=warnings + form_warnings,
        access_token_hash=hash_token(token), created_at=at, updated_at=at, pin_failures=0,
        presence_done={}, delivery=delivery, print_seq=0,
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


def delivery_for(service: ServiceDefinition, requested: str | None) -> str:
    """The citizen's choice (default DOWNLOAD); KTP-el and KIA cards always go to the kecamatan."""
    delivery = requested or "DOWNLOAD"
    if delivery not in DELIVERIES:
        raise ValidationFailed(
            fields={"delivery": ["Pilih DOWNLOAD atau KECAMATAN."]}, code="INVALID_DELIVERY"
        )
    return "KECAMATAN" if service.output_document in CARD_OUTPUTS else delivery


def update_application(
    session: Session, application_id: str, token: str | None, changes: dict[str, Any]
) -> dict[str, Any]:
    """Replace the form and/or the contact details while the citizen may still edit."""
    app = load_for_citizen(session, application_id, token)
    app = _get(session, app.id, lock=True)
    require_editable(app.status)
    if "form" in changes:
        form, form_warnings = validate_form(definition_of(app), changes["form"])
        applicant_warnings = [w for w in app.warnings if w["field"].startswith("applicant.")]
        app.form, app.warnings = form, applicant_warnings + form_warnings
    for contact in ("email", "phone"):
        if contact in changes:
            setattr(app, contact, changes[contact])
    app.updated_at = now_utc()
    return view_of(app)


def attach_document(
    session: Session, application_id: str, token: str | None, upload: dict[str, Any]
) -> dict:
    app = load_for_citizen(session, application_id, token)
    require_editable(app.status)
    service = definition_of(app)
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


def last_revision(app: Application) -> StatusChange | None:
    if app.status != Status.REVISION_REQUESTED:
        return None
    return next((h for h in reversed(app.history) if h.status == Status.REVISION_REQUESTED), None)


def _check_documents_complete(app: Application, service: ServiceDefinition) -> None:
    present = {d.doc_type for d in current_documents(app)}
    missing = sorted(service.documents_required_for(app.form) - present)
    if missing:
        raise Conflict(
            "Dokumen wajib belum diunggah: " + ", ".join(missing) + ".",
            fields={"documents": {m: ["Dokumen wajib belum diunggah."] for m in missing}},
            code="MISSING_DOCUMENTS",
        )
    revision = last_revision(app)
    if revision is None:
        return
    # Documents the verifier asked to fix must be uploaded again after the request.
    replaced = {d.doc_type for d in current_documents(app) if d.uploaded_at > revision.at}
    stale = sorted(set(revision.fix_documents) - replaced)
    if stale:
        raise Conflict(
            "Unggah ulang dokumen yang diminta petugas: " + ", ".join(stale) + ".",
            fields={"documents": {d: ["Dokumen ini harus diunggah ulang."] for d in stale}},
            code="REVISION_DOCUMENTS_NOT_REPLACED",
        )


def submit(session: Session, outbox: Outbox, application_id: str, token: str | None) -> dict:
    app = load_for_citizen(session, application_id, token)
    app = _get(session, app.id, lock=True)
    require_editable(app.status)
    service = definition_of(app)
    _check_documents_complete(app, service)
    at = now_utc()
    app.round += 1
    app.submitted_at = at
    app.deadline_at = workdays.deadline(at, service.target_working_days, holidays())
    change_status(session, outbox, app, Status.SUBMITTED, at)
    outbox.add(session, "application.submitted", submitted_event(app))
    return {"status": app.status, "tracking_code": app.tracking_code}


def cancel(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    app = load_for_citizen(session, application_id, token)
    app = _get(session, app.id, lock=True)
    if app.status not in CANCELLABLE:
        raise Conflict(
            "Permohonan tidak dapat dibatalkan karena dokumen sudah diproses untuk ditandatangani"
            " atau permohonan sudah selesai.",
            code="NOT_CANCELLABLE",
        )
    at = now_utc()
    change_status(session, outbox, app, Status.CANCELLED, at, note=reason)
    outbox.add(
        session, "application.cancelled",
        {"application_id": app.id, "round": app.round, "cancelled_at": at},
    )
    _release_appointments(session, outbox, app.id, at)
    return {"status": app.status, "tracking_code": app.tracking_code}


def _release_appointments(
    session: Session, outbox: Outbox, application_id: uuid.UUID, at: datetime
) -> None:
    """A cancelled or rejected application gives its booked slots back to other citizens."""
    from services.intake import appointments  # booking depends on applications, not vice versa

    appointments.cancel_for_application(session, outbox, application_id, at)


def snapshot(app: Application) -> dict[str, Any]:
    """The application data later stages work from (verification shows it, printing prints it)."""
    return {
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "output_document": definition_of(app).output_document,
        "applicant": {
            "nik": app.nik, "name": app.name, "kk_number": app.kk_number,
            "kecamatan_code": app.kecamatan_code, "email": app.email, "phone": app.phone,
        },
        "form": app.form,
        "delivery": app.delivery or "DOWNLOAD",
    }


def submitted_event(app: Application) -> dict[str, Any]:
    return {
        "application_id": app.id,
        "round": app.round,
        "submitted_at": app.submitted_at,
        "deadline_at": app.deadline_at,
        "application": snapshot(app),
        "documents": [
            {
                "doc_type": d.doc_type, "object_key": d.object_key,
                "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
            }
            for d in current_documents(app)
        ],
        "warnings": app.warnings,
        "requirements": requirements(definition_of(app), app.form),
    }


def requirements(service: ServiceDefinition, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a verifier may ask to fix, with labels; ``required`` tells verification's
    pre-checks which documents this application (its form) must have."""
    return {
        "service_name": service.name,
        "documents": [
            {"type": d.type, "label": d.label,
             "required": d.is_required(form) if form is not None else d.required}
            for d in service.documents
        ],
        "fields": [
            *({"path": f"applicant.{k}", "label": v} for k, v in APPLICANT_LABELS.items()),
            *({"path": f"form.{f['name']}", "label": f["label"]} for f in service.form_fields),
        ],
    }


# --- what the citizen sees ----------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _timeline(app: Application, service: ServiceDefinition) -> list[dict[str, Any]]:
    """The path this application takes, with each step done, current or still to come."""
    reached = {h.status: h.at for h in app.history}
    path = expected_path(
        bool(service.steps_before_issuance),
        awaits_signature=Status.AWAITING_SIGNATURE in reached
        or app.status == Status.AWAITING_SIGNATURE,
        at_kecamatan=(app.delivery == "KECAMATAN"),
        awaits_blanko=Status.AWAITING_BLANKO in reached or app.status == Status.AWAITING_BLANKO,
    )
    current = Status(app.status)
    if current not in path:  # revision, rejection, cancellation: shown where they happened
        done = [s for s in path if s in reached]
        path = [*done, current]
    position = path.index(current)

    def state(index: int) -> str:
        return "done" if index < position else "current" if index == position else "upcoming"

    return [
        {"status": status, "label": STATUS_TEXT[status][0], "at": _iso(reached.get(status)),
         "state": state(index)}
        for index, status in enumerate(path)
    ]


def _revision_view(app: Application, service: ServiceDefinition) -> dict[str, Any] | None:
    revision = last_revision(app)
    if revision is None:
        return None
    return {
        "reason_code": revision.reason_code,
        "reason": revision.reason_text,
        "note": revision.note,
        "requested_at": revision.at.isoformat(),
        "fields": [{"path": f, "label": _field_label(service, f)} for f in revision.fix_fields],
        "documents": [
            {"type": d, "label": service.document_label(d)} for d in revision.fix_documents
        ],
    }


def _field_label(service: ServiceDefinition, path: str) -> str:
    section, _, name = path.partition(".")
    if section == "form":
        return service.field_label(name.split(".")[0])
    return APPLICANT_LABELS.get(name, path)


def _fix_labels(service: ServiceDefinition, paths: list[str], doc_types: list[str]) -> list[str]:
    return [_field_label(service, p) for p in paths] + [
        service.document_label(d) for d in doc_types
    ]


APPLICANT_LABELS = {
    "nik": "NIK pemohon", "name": "Nama pemohon", "kk_number": "Nomor KK",
    "kecamatan_code": "Kecamatan", "email": "Email", "phone": "Nomor ponsel",
}


def view_of(app: Application) -> dict[str, Any]:
    service = definition_of(app)
    status = Status(app.status)
    label, description = STATUS_TEXT[status]
    present = {d.doc_type for d in current_documents(app)}
    return {
        "id": str(app.id),
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": service.name,
        "status": app.status,
        "status_label": label,
        "stage": {"label": label, "description": description},
        "round": app.round,
        "delivery": app.delivery or "DOWNLOAD",
        "created_at": app.created_at.isoformat(),
        "submitted_at": _iso(app.submitted_at),
        "expected_completion_at": _iso(app.deadline_at),
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
        "missing_documents": sorted(service.documents_required_for(app.form) - present),
        "timeline": _timeline(app, service),
        "history": [
            {
                "status": h.status, "label": STATUS_TEXT[Status(h.status)][0],
                "at": h.at.isoformat(), "round": h.round, "reason_code": h.reason_code,
                "reason": h.reason_text, "note": h.note,
            }
            for h in app.history
        ],
        "revision": _revision_view(app, service),
        "presence": [
            {"step": p.step, "label": p.label, "done_at": (app.presence_done or {}).get(p.step)}
            for p in service.presence
        ],
        "can_edit": status in EDITABLE,
        "can_cancel": status in CANCELLABLE,
        "can_book": bool(service.presence) and status not in BOOKING_CLOSED,
        "document": (
            {"document_number": app.document_number, "issued_at": app.issued_at.isoformat()}
            if app.document_number and app.issued_at
            else None
        ),
        "service": service.public(),
    }


BOOKING_CLOSED = frozenset({Status.DRAFT, Status.REJECTED, Status.CANCELLED})


def view(session: Session, application_id: str, token: str | None) -> dict[str, Any]:
    return view_of(load_for_citizen(session, application_id, token))


def open_document(session: Session, application_id: str, token: str | None, pin: str) -> dict:
    """Check the PIN and return where the signed PDF is. Failed attempts are counted and locked
    out; the caller commits even when this raises TooManyAttempts or Forbidden."""
    app = load_for_citizen(session, application_id, token)
    app = _get(session, app.id, lock=True)
    if app.status not in DOWNLOADABLE or not app.pin_hash:
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


def _pending_presence(app: Application) -> list[str]:
    done = app.presence_done or {}
    return [step for step in definition_of(app).steps_before_issuance if step not in done]


def apply_decision(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _current_round(session, data)
    target = DECISION_STATUS[data["decision"]]
    if target == Status.APPROVED and app is not None and _pending_presence(app):
        target = Status.AWAITING_BIOMETRICS
    if app is None or not can_transition(app.status, target):
        return
    at = data["decided_at"]
    change_status(
        session, outbox, app, target, at,
        reason_code=data.get("reason_code"), reason_text=data.get("reason_text"),
        note=data.get("note"), fix_fields=data.get("fix_fields"),
        fix_documents=data.get("fix_documents"),
    )
    if target == Status.APPROVED:
        _approve(session, outbox, app, at)
    elif target == Status.REJECTED:
        _release_appointments(session, outbox, app.id, at)


def _approve(session: Session, outbox: Outbox, app: Application, at: datetime) -> None:
    """Approved with nothing left to do in person: ask printing to issue the document."""
    app.approved_at = at
    outbox.add(
        session, "application.issuance_requested",
        {"application_id": app.id, "round": app.round, "requested_at": at,
         "application": snapshot(app)},
    )


def record_presence(
    session: Session, outbox: Outbox, application_id: uuid.UUID | str, step: str, at: datetime
) -> None:
    """Staff recorded an in-person step (e.g. biometrics). The last one releases issuance."""
    app = _get(session, application_id, lock=True)
    if definition_of(app).presence_step(step) is None:
        raise Conflict("Layanan ini tidak memerlukan langkah tersebut.", code="STEP_NOT_REQUIRED")
    app.presence_done = {**(app.presence_done or {}), step: at.isoformat()}
    if app.status == Status.AWAITING_BIOMETRICS and not _pending_presence(app):
        change_status(session, outbox, app, Status.APPROVED, at)
        _approve(session, outbox, app, at)


def apply_awaiting_signature(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """Printing stored the unsigned draft; it waits for the head of the Dinas to sign."""
    app = _get(session, data["application_id"], lock=True)
    if app.status != Status.APPROVED:  # already issued (events may overtake), or stale
        return
    change_status(session, outbox, app, Status.AWAITING_SIGNATURE, data["drafted_at"])


def apply_issued(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    app = _get(session, data["application_id"], lock=True)
    if app.status not in (Status.APPROVED, Status.AWAITING_SIGNATURE):
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


class PrintJobAhead(RuntimeError):
    """A print-job change arrived before the issuance (or an earlier change) it follows; the
    event is retried (``on_event`` redelivers it after a delay)."""


def apply_print_job(session: Session, outbox: Outbox, data: dict[str, Any]) -> None:
    """Mirror printing's kecamatan print job (Cekatan) in the citizen's status, in job order."""
    app = _get(session, data["application_id"], lock=True)
    seq = data["seq"]
    if seq <= (app.print_seq or 0):
        return  # already applied (or stale)
    if app.status not in DOWNLOADABLE or seq != (app.print_seq or 0) + 1:
        raise PrintJobAhead(f"print job change {seq} of {app.id} arrived early")
    target = Status(data["state"])
    app.print_seq = seq
    if can_transition(app.status, target):
        change_status(session, outbox, app, target, data["at"])


def list_services() -> list[dict[str, Any]]:
    return [s.public() for s in load_catalogue().values()]


# --- public service status ----------------------------------------------------------------------

WAITING = (Status.SUBMITTED,)
IN_PROGRESS = (
    Status.IN_VERIFICATION, Status.AWAITING_BIOMETRICS, Status.APPROVED,
    Status.AWAITING_SIGNATURE,
)
RECENT = timedelta(days=30)


def backlog(session: Session) -> list[dict[str, Any]]:
    """Per service: applications waiting and in progress, and the median hours from submission
    to approval over the last 30 days (what a citizen can expect to wait)."""
    counts: dict[tuple[str, str], int] = dict(
        ((code, status), n)
        for code, status, n in session.execute(
            select(Application.service_code, Application.status, func.count())
            .where(Application.status.in_([*WAITING, *IN_PROGRESS]))
            .group_by(Application.service_code, Application.status)
        )
    )
    hours = func.extract("epoch", Application.approved_at - Application.submitted_at) / 3600
    medians = dict(
        session.execute(
            select(Application.service_code, func.percentile_cont(0.5).within_group(hours))
            .where(Application.approved_at > now_utc() - RECENT)
            .group_by(Application.service_code)
        ).all()
    )
    return [
        {
            "code": code,
            "name": service.name,
            "waiting": sum(counts.get((code, s), 0) for s in WAITING),
            "in_progress": sum(counts.get((code, s), 0) for s in IN_PROGRESS),
            "expected_wait_hours": (
                round(float(medians[code]), 1) if medians.get(code) is not None else None
            ),
            "target_working_days": service.target_working_days,
        }
        for code, service in load_catalogue().items()
    ]


# --- the pipeline after the verification queue (for the supervisors' backlog board) ---------

# Open statuses a supervisor follows, in lifecycle order; the queue's own stages (waiting,
# claimed) come from verification, which holds the claims.
PIPELINE = (
    Status.SUBMITTED, Status.IN_VERIFICATION, Status.REVISION_REQUESTED,
    Status.AWAITING_BIOMETRICS, Status.APPROVED, Status.AWAITING_SIGNATURE,
    Status.QUEUED_AT_KECAMATAN, Status.AWAITING_BLANKO, Status.PRINTED,
)


def pipeline(session: Session) -> list[dict[str, Any]]:
    """Open applications per status, service and kecamatan, with how many are past their
    service deadline while the Dinas has the next move (the ``breaches`` rule)."""
    at = now_utc()
    late = and_(Application.deadline_at < at, Application.status.in_(IN_SERVICE_HANDS))
    rows = session.execute(
        select(Application.status, Application.service_code, Application.kecamatan_code,
               func.count(), func.count(case((late, 1))))
        .where(Application.status.in_(PIPELINE))
        .group_by(Application.status, Application.service_code, Application.kecamatan_code)
    ).all()
    return [
        {"status": str(status), "label": STATUS_TEXT[Status(status)][0],
         "service_code": code, "kecamatan_code": kecamatan, "count": n, "breached": n_late}
        for status, code, kecamatan, n, n_late in rows
    ]


# --- service-time breaches (for the supervisors' digest) -------------------------------------

# Statuses in which the Dinas, not the citizen, has the next move.
IN_SERVICE_HANDS = (
    Status.SUBMITTED, Status.IN_VERIFICATION, Status.APPROVED, Status.AWAITING_SIGNATURE,
)


def breaches(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """Applications past their service deadline that the Dinas still has to act on.

    No personal data: tracking code, service, status and how late, for staff."""
    at = now_utc()
    rows = session.scalars(
        select(Application)
        .where(Application.deadline_at < at, Application.status.in_(IN_SERVICE_HANDS))
        .order_by(Application.deadline_at)
        .limit(limit)
    ).all()
    return [
        {
            "application_id": str(app.id), "tracking_code": app.tracking_code,
            "service_code": app.service_code, "status": app.status,
            "deadline_at": app.deadline_at.isoformat(),
            "hours_late": round((at - app.deadline_at).total_seconds() / 3600, 1),
        }
        for app in rows
    ]
