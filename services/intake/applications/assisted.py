"""Assisted intake at the counter (loket): a front-office account files, uploads, submits and
books for a walk-in citizen at the one service location its account is bound to.

The same rules as online (``commands``, ``booking``) do the work; this module adds who may act
where, the channel of the location's kind, the audit entry naming the location, and what the
receipt (tanda terima) shows. A front office acts only on applications filed at its own desk
(403 ``WRONG_LOCATION`` otherwise), and the citizen keeps the application: its access token is
handed over (receipt, tracking link), and it may be attached to an account later.
"""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy.orm import Session

from services.intake.applications import commands, record
from services.intake.applications.views import view_of
from services.intake.appointments import booking, rows
from services.intake.appointments.views import location_view
from services.intake.domain import channels
from services.intake.domain.status import STATUS_TEXT, Status
from services.intake.models import Application, Location
from silasidakep.audit_trail import Auditor
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, Forbidden
from silasidakep.masking import mask_nik

# Only the shape of the online body travels on to ``commands.create_application``.
DESK_FIELD = "location_code"


def desk(session: Session, auditor: Auditor, location_code: str | None = None) -> Location:
    """The acting account's own service location, open for service. ``location_code`` (the
    desk the request names) must be it: another desk answers 403 WRONG_LOCATION."""
    code = auditor.principal.require_location(
        location_code if isinstance(location_code, str) else None
    )
    place = rows.location(session, code)
    if not place.active:
        raise Conflict("Lokasi layanan ini sedang tidak melayani.", code="LOCATION_INACTIVE")
    return place


def desk_view(session: Session, auditor: Auditor) -> dict[str, Any]:
    place = desk(session, auditor)
    channel = channels.for_location_kind(place.kind)
    return {**location_view(place), "channel": channel, "channel_label": channels.LABELS[channel]}


def _filed_here(session: Session, auditor: Auditor, application_id: str,
                lock: bool = True) -> tuple[Application, Location]:
    place = desk(session, auditor)
    app = record.get(session, application_id, lock=lock)
    if app.filed_at_location != place.code:
        raise Forbidden("Permohonan ini tidak diajukan di loket Anda.", code="WRONG_LOCATION")
    return app, place


def _audit(session: Session, auditor: Auditor, action: str, app: Application,
           place: Location, detail: str = "") -> None:
    auditor.record(session, action, application_id=app.id,
                   detail=f"location={place.code} channel={app.channel} {detail}".strip())


def create(session: Session, outbox: Outbox, auditor: Auditor,
           payload: dict[str, Any]) -> dict[str, Any]:
    """A draft for the citizen at the counter, validated exactly like an online one."""
    body = dict(payload)
    place = desk(session, auditor, body.pop(DESK_FIELD, None))
    body["applicant"] = _with_phone_channel(body.get("applicant"))
    channel = channels.for_location_kind(place.kind)
    created = commands.create_application(session, outbox, body, counter=(channel, place.code))
    app = record.get(session, created["id"], lock=False)
    _audit(session, auditor, "FRONT_OFFICE_CREATE", app, place, f"service={app.service_code}")
    return {**created, "channel": channel, "location_code": place.code}


def _with_phone_channel(applicant: Any) -> Any:
    """A walk-in who gives a phone gets the tracking code by WhatsApp (SMS where the provider
    falls back), unless the desk chose the channels with them; online the default is email."""
    if not isinstance(applicant, dict) or not applicant.get("phone") or applicant.get("channels"):
        return applicant
    email = ["EMAIL"] if applicant.get("email") else []
    return {**applicant, "channels": ["WHATSAPP", *email, "INBOX"]}


def check_upload(session: Session, auditor: Auditor, application_id: str,
                 doc_type: str) -> dict[str, Any]:
    app, _ = _filed_here(session, auditor, application_id, lock=False)
    commands.require_uploadable(app, doc_type)
    return {"doc_type": doc_type}


def attach(session: Session, auditor: Auditor, application_id: str,
           upload: dict[str, Any]) -> dict[str, Any]:
    """Record a scan the gateway stored (from the desk's scanner or camera)."""
    app, place = _filed_here(session, auditor, application_id)
    result = commands.attach_to(session, app, upload)
    _audit(session, auditor, "FRONT_OFFICE_UPLOAD", app, place, f"doc={upload['doc_type']}")
    return result


def submit(session: Session, outbox: Outbox, auditor: Auditor,
           application_id: str) -> dict[str, Any]:
    app, place = _filed_here(session, auditor, application_id)
    result = commands.submit_locked(session, outbox, app)
    _audit(session, auditor, "FRONT_OFFICE_SUBMIT", app, place)
    return result


def book(session: Session, outbox: Outbox, auditor: Auditor, application_id: str,
         step: str, slot_id: Any) -> dict[str, Any]:
    """The in-person step's slot, chosen with the citizen at the counter."""
    app, place = _filed_here(session, auditor, application_id)
    result = booking.book_for(session, outbox, app, step, slot_id)
    _audit(session, auditor, "FRONT_OFFICE_BOOK", app, place, f"step={step}")
    return result


def view(session: Session, auditor: Auditor, application_id: str) -> dict[str, Any]:
    """The application as the citizen sees it (the desk helps them read it); audited."""
    app, place = _filed_here(session, auditor, application_id, lock=False)
    _audit(session, auditor, "FRONT_OFFICE_VIEW", app, place)
    return view_of(app)


def _next_steps(app: Application) -> list[str]:
    """What happens next, in the citizen's words."""
    service = record.definition_of(app)
    status = Status(app.status)
    steps = [STATUS_TEXT[status][1]] if status != Status.DRAFT else [
        "Permohonan belum diajukan: petugas loket akan melengkapi dan mengajukannya."]
    steps.append(f"Petugas Disdukcapil memverifikasi permohonan; target layanan "
                 f"{service.target_working_days} hari kerja.")
    steps += [f"Datang untuk {p.label}: pilih jadwal di halaman pelacakan atau di loket."
              for p in service.presence]
    steps.append("Dokumen diambil di kantor kecamatan." if app.delivery == "KECAMATAN" else
                 "Dokumen elektronik diunduh dengan PIN yang dikirim ke kontak Anda.")
    steps.append("Kabar setiap tahap dikirim ke nomor ponsel atau email Anda.")
    return steps


def receipt(session: Session, auditor: Auditor, application_id: str,
            access_token: str | None = None) -> dict[str, Any]:
    """What the tanda terima prints. ``access_token`` (only right after filing, the desk still
    holds it) must open the application: then the QR code opens it directly."""
    app, place = _filed_here(session, auditor, application_id, lock=False)
    if access_token and not hmac.compare_digest(app.access_token_hash,
                                                record.hash_token(access_token)):
        raise Forbidden("Token akses tidak berlaku untuk permohonan ini.", code="INVALID_TOKEN")
    service = record.definition_of(app)
    _audit(session, auditor, "FRONT_OFFICE_RECEIPT", app, place)
    return {
        "id": str(app.id), "tracking_code": app.tracking_code, "service_name": service.name,
        "status": app.status, "status_label": STATUS_TEXT[Status(app.status)][0],
        "created_at": app.created_at.isoformat(),
        "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
        "expected_completion_at": app.deadline_at.isoformat() if app.deadline_at else None,
        "applicant": {"name": app.name, "nik_masked": mask_nik(app.nik),
                      "has_phone": bool(app.phone)},
        "location": {"code": place.code, "name": place.name, "address": place.address},
        "channel_label": channels.LABELS[app.channel],
        "documents": [service.document_label(d.doc_type)
                      for d in record.current_documents(app)],
        "next_steps": _next_steps(app),
        "access_token": access_token if access_token else None,
        "staff": auditor.principal.username,
    }
