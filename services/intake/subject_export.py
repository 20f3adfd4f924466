"""Data-subject export, intake's part (issue 14, UU PDP): everything intake holds about a NIK.

Which applications count: those naming the NIK as the applicant (``nik``), as whom the
document is about (``subject_nik``) or as the pelapor (``reporter.nik``). An auditor's export
also finds applications that only *mention* the NIK in their form (a KK member, a parent on a
birth): data held about the person too. A citizen's export leaves those out: they are other
people's applications (an ex-spouse's, a sibling's), and the citizen's right of access does not
open someone else's file. Appointments follow the applications; complaints are those about one
of them or filed from a contact of the NIK's account; accounts are those whose verified NIK
it is (with their contacts, sign-in identities and devices).

Uploads are listed by metadata only (type, size, sha256, when): never the scan or its key.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from services.intake.accounts.credentials import Principal
from services.intake.applications.record import definition_of
from services.intake.models import (
    AccountSession,
    Application,
    Appointment,
    CitizenAccount,
    Complaint,
    Location,
    Slot,
)
from services.intake.outputs.models import ApplicationOutput
from silasidakep import export_grant
from silasidakep.errors import Forbidden, ValidationFailed
from silasidakep.masking import mask_nik

NIK_SHAPE = re.compile(r"[0-9]{16}\Z")
MAX_APPLICATIONS = 500


def check_nik(nik: Any) -> str:
    """A NIK is 16 ASCII digits; the soft rules (region, birth date) are not applied, since an
    export must find records of any NIK ever stored."""
    if not isinstance(nik, str) or not NIK_SHAPE.match(nik):
        raise ValidationFailed("NIK harus 16 angka.", fields={"nik": ["NIK harus 16 angka."]},
                               code="INVALID_NIK")
    return nik


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _condition(nik: str, mentions: bool) -> Any:
    named = [Application.nik == nik, Application.subject_nik == nik,
             Application.reporter["nik"].astext == nik]
    if mentions:  # a sequential scan of the forms: acceptable for a rare auditor export
        named.append(cast(Application.form, Text).contains(f'"{nik}"'))
    return or_(*named)


def roles(app: Application, nik: str) -> list[str]:
    found = [role for role, value in (
        ("APPLICANT", app.nik), ("SUBJECT", app.subject_nik),
        ("REPORTER", (app.reporter or {}).get("nik")),
    ) if value == nik]
    return found or ["MENTIONED"]


def _outputs(session: Session, app_ids: list[uuid.UUID]) -> dict[uuid.UUID, list]:
    found: dict[uuid.UUID, list[ApplicationOutput]] = {}
    if not app_ids:
        return found
    for row in session.scalars(
        select(ApplicationOutput).where(ApplicationOutput.application_id.in_(app_ids))
        .order_by(ApplicationOutput.application_id, ApplicationOutput.position)
    ):
        found.setdefault(row.application_id, []).append(row)
    return found


def output_view(row: ApplicationOutput) -> dict[str, Any]:
    """An issued (or planned) document of the application: never its stored PDF's key."""
    return {
        "document_number": row.document_number, "document_type": row.document_type,
        "kind": row.kind, "replaces": row.replaces, "state": row.state, "status": row.status,
        "planned_at": _iso(row.planned_at), "issued_at": _iso(row.issued_at),
        "superseded_by": row.superseded_by, "superseded_at": _iso(row.superseded_at),
        "revoked_at": _iso(row.revoked_at), "revocation_reason": row.revocation_reason,
        "print_state": row.print_state,
    }


def application_view(app: Application, nik: str,
                     outputs: list[ApplicationOutput] | None = None) -> dict[str, Any]:
    if outputs is None:
        session = object_session(app)
        outputs = _outputs(session, [app.id]).get(app.id, []) if session else []
    principal = next((o for o in outputs if o.state == "ISSUED"), None)
    return {
        "application_id": str(app.id), "tracking_code": app.tracking_code,
        "service_code": app.service_code, "service_name": definition_of(app).name,
        "status": app.status, "roles": roles(app, nik), "delivery": app.delivery,
        "created_at": _iso(app.created_at), "updated_at": _iso(app.updated_at),
        "submitted_at": _iso(app.submitted_at), "deadline_at": _iso(app.deadline_at),
        "approved_at": _iso(app.approved_at), "issued_at": _iso(app.issued_at),
        "document_number": principal.document_number if principal else None,
        # Every document the application issued (issue 16), in output order.
        "documents": [output_view(o) for o in outputs],
        "applicant": {"nik": app.nik, "name": app.name, "kk_number": app.kk_number,
                      "kecamatan_code": app.kecamatan_code, "email": app.email,
                      "phone": app.phone},
        "reporter": app.reporter,
        "subject": {"nik": app.subject_nik, "name": app.subject_name},
        "notify_channels": app.notify_channels, "presence_done": app.presence_done or {},
        "form": app.form,
        "history": [{
            "seq": h.seq, "status": h.status, "at": _iso(h.at), "round": h.round,
            "reason_code": h.reason_code, "reason_text": h.reason_text, "note": h.note,
            "fix_fields": h.fix_fields or [], "fix_documents": h.fix_documents or [],
        } for h in app.history],
        "uploads": [{
            "doc_type": d.doc_type, "content_type": d.content_type, "size": d.size,
            "sha256": d.sha256, "uploaded_at": _iso(d.uploaded_at), "current": d.current,
        } for d in app.documents],
    }


def _appointments(session: Session, app_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    if not app_ids:
        return []
    rows = session.execute(
        select(Appointment, Slot, Location)
        .join(Slot, Slot.id == Appointment.slot_id)
        .join(Location, Location.code == Slot.location_code)
        .where(Appointment.application_id.in_(app_ids))
        .order_by(Slot.date, Slot.start_time)
    ).all()
    return [{
        "application_id": str(a.application_id), "step": a.step, "status": a.status,
        "date": slot.date.isoformat(), "start_time": slot.start_time.strftime("%H:%M"),
        "end_time": slot.end_time.strftime("%H:%M"), "location_name": location.name,
        "booked_at": _iso(a.booked_at), "updated_at": _iso(a.updated_at),
    } for a, slot, location in rows]


def _complaints(session: Session, tracking_codes: list[str], emails: list[str],
                citizen: bool) -> list[dict[str, Any]]:
    conditions = []
    if tracking_codes:
        conditions.append(Complaint.application_tracking_code.in_(tracking_codes))
    if emails:
        conditions.append(Complaint.email.in_(emails))
    if not conditions:
        return []
    rows = session.scalars(
        select(Complaint).where(or_(*conditions)).order_by(Complaint.created_at)
    ).all()
    views = []
    for c in rows:
        view = {
            "complaint_id": str(c.id), "tracking_code": c.tracking_code, "kind": c.kind,
            "category": c.category, "status": c.status, "message": c.message,
            "application_tracking_code": c.application_tracking_code, "answer": c.answer,
            "answered_at": _iso(c.answered_at), "created_at": _iso(c.created_at),
        }
        # Someone else may have complained about the citizen's application: the citizen sees
        # the complaint, not who filed it; an auditor sees both.
        if not citizen or c.email in emails:
            view.update(name=c.name, email=c.email, phone=c.phone)
        views.append(view)
    return views


def _accounts(session: Session, nik: str) -> list[CitizenAccount]:
    return list(session.scalars(
        select(CitizenAccount).where(CitizenAccount.nik == nik)
        .options(selectinload(CitizenAccount.contacts),
                 selectinload(CitizenAccount.identities))
        .order_by(CitizenAccount.created_at)
    ).all())


def account_view(session: Session, account: CitizenAccount) -> dict[str, Any]:
    devices = session.scalars(
        select(AccountSession).where(AccountSession.account_id == account.id)
        .order_by(AccountSession.created_at)
    ).all()
    return {
        "account_id": str(account.id), "name": account.name,
        "preferred_channel": account.preferred_channel, "nik": account.nik,
        "nik_verified_at": _iso(account.nik_verified_at),
        "created_at": _iso(account.created_at), "last_sign_in_at": _iso(account.last_sign_in_at),
        "contacts": [{"kind": c.kind, "value": c.value, "verified_at": _iso(c.verified_at)}
                     for c in account.contacts],
        "identities": [{"issuer": i.issuer, "since": _iso(i.created_at)}
                       for i in account.identities],
        "sessions": [{"via": s.via, "user_agent": s.user_agent,
                      "created_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at),
                      "expires_at": _iso(s.expires_at), "ended_at": _iso(s.ended_at)}
                     for s in devices],
    }


def collect(session: Session, nik: str, *, citizen: bool) -> dict[str, Any]:
    """Every section intake owns, plus the ids the other services look up by."""
    apps = session.scalars(
        select(Application).where(_condition(nik, mentions=not citizen))
        .options(selectinload(Application.history), selectinload(Application.documents))
        .order_by(Application.created_at).limit(MAX_APPLICATIONS)
    ).all()
    outputs = _outputs(session, [app.id for app in apps])
    accounts = _accounts(session, nik)
    emails = sorted({c.value for a in accounts for c in a.contacts if c.kind == "EMAIL"})
    complaints = _complaints(session, [a.tracking_code for a in apps], emails, citizen)
    return {
        "nik": nik,
        "applications": [application_view(app, nik, outputs.get(app.id, []))
                         for app in apps],
        "appointments": _appointments(session, [app.id for app in apps]),
        "complaints": complaints,
        "accounts": [account_view(session, account) for account in accounts],
        "application_ids": [str(app.id) for app in apps],
        "complaint_ids": [c["complaint_id"] for c in complaints],
    }


def for_auditor(session: Session, nik: Any) -> dict[str, Any]:
    """An unknown NIK answers with empty sections, not 404: the auditor may ask about any NIK,
    so "nothing held" is exactly what they may learn, and the export is audited either way."""
    return collect(session, check_nik(nik), citizen=False)


def for_citizen(session: Session, who: Principal) -> dict[str, Any]:
    """The signed-in citizen's own records, by the NIK a verifier confirmed for the account,
    with the grant the other services accept for exactly these ids."""
    account = who.account
    if not account.nik or account.nik_verified_at is None:
        raise Forbidden("Ekspor data tersedia setelah NIK akun Anda terverifikasi (setelah "
                        "permohonan pertama Anda untuk diri sendiri disetujui).",
                        code="NIK_NOT_VERIFIED")
    data = collect(session, account.nik, citizen=True)
    data["account_id"] = str(account.id)
    data["grant"] = export_grant.issue(account.id, mask_nik(account.nik),
                                       data["application_ids"], data["complaint_ids"])
    return data
