""""Permohonan saya" and the family: what an account sees on any device, from the server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from services.intake.applications.labels import fix_labels
from services.intake.applications.record import definition_of, follows, last_revision
from services.intake.domain.status import DOWNLOADABLE, STATUS_TEXT, Status
from services.intake.models import Application, Appointment, CitizenAccount, Location, Slot
from services.intake.outputs.models import ISSUED, REVOKED, ApplicationOutput
from silasidakep.masking import mask_nik

LIST_LIMIT = 200


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _followed(account: CitizenAccount) -> Any:
    condition = Application.account_id == account.id
    if account.nik and account.nik_verified_at:
        condition = or_(condition, Application.nik == account.nik,
                        Application.subject_nik == account.nik)
    return condition


def _appointments(session: Session, app_ids: list) -> dict[Any, list[dict[str, Any]]]:
    rows = session.execute(
        select(Appointment, Slot, Location)
        .join(Slot, Slot.id == Appointment.slot_id)
        .join(Location, Location.code == Slot.location_code)
        .where(Appointment.application_id.in_(app_ids), Appointment.status == "BOOKED")
        .order_by(Slot.date, Slot.start_time)
    ).all()
    found: dict[Any, list[dict[str, Any]]] = {}
    for appointment, slot, location in rows:
        found.setdefault(appointment.application_id, []).append({
            "step": appointment.step, "date": slot.date.isoformat(),
            "start_time": slot.start_time.strftime("%H:%M"), "location_name": location.name,
            "status": appointment.status,
        })
    return found


def downloadable_counts(session: Session, app_ids: list) -> dict[Any, int]:
    """How many issued, not revoked documents with a stored PDF each application has."""
    if not app_ids:
        return {}
    rows = session.execute(
        select(ApplicationOutput.application_id, func.count())
        .where(ApplicationOutput.application_id.in_(app_ids),
               ApplicationOutput.state == ISSUED, ApplicationOutput.object_key.is_not(None),
               ApplicationOutput.status.is_distinct_from(REVOKED))
        .group_by(ApplicationOutput.application_id)
    ).all()
    return dict(rows)


def item(app: Application, account: CitizenAccount,
         appointments: list[dict[str, Any]] | None = None,
         downloadable: int | None = None) -> dict[str, Any]:
    service = definition_of(app)
    revision = last_revision(app)
    reporter = app.reporter or {}
    if downloadable is None:
        session = object_session(app)
        downloadable = downloadable_counts(session, [app.id]).get(app.id, 0) if session else 0
    return {
        "application_id": str(app.id),
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": service.name,
        "status": app.status,
        "status_label": STATUS_TEXT[Status(app.status)][0],
        "role": follows(app, account),
        "subject": {
            "name": app.subject_name or app.name,
            "nik_masked": mask_nik(app.subject_nik) if app.subject_nik else None,
            "relationship": reporter.get("relationship"),
        },
        "created_at": _iso(app.created_at), "updated_at": _iso(app.updated_at),
        "submitted_at": _iso(app.submitted_at),
        "expected_completion_at": _iso(app.deadline_at),
        "fix_labels": fix_labels(service, revision.fix_fields, revision.fix_documents)
        if revision else [],
        "appointments": appointments or [],
        "document_available": app.status in DOWNLOADABLE and downloadable > 0,
    }


def applications(session: Session, account: CitizenAccount) -> list[dict[str, Any]]:
    apps = session.scalars(
        select(Application).where(_followed(account))
        .options(selectinload(Application.history))
        .order_by(Application.created_at.desc()).limit(LIST_LIMIT)
    ).all()
    booked = _appointments(session, [a.id for a in apps]) if apps else {}
    documents = downloadable_counts(session, [a.id for a in apps])
    return [item(app, account, booked.get(app.id), documents.get(app.id, 0)) for app in apps]


def family(session: Session, account: CitizenAccount) -> list[dict[str, Any]]:
    """The people the account has filed for, not itself (a relative it named as the subject,
    or the child of a birth it reported), newest first."""
    apps = session.scalars(
        select(Application).where(Application.account_id == account.id)
        .order_by(Application.created_at.desc()).limit(LIST_LIMIT)
    ).all()
    members: dict[str, dict[str, Any]] = {}
    for app in apps:
        relationship = _relationship(app)
        if relationship is None:
            continue
        name = app.subject_name or app.name
        member = members.setdefault(app.subject_nik or name.upper(), {
            "name": name, "nik_masked": mask_nik(app.subject_nik) if app.subject_nik else None,
            "relationship": relationship, "applications": 0,
            "last_applied_at": _iso(app.created_at),
        })
        member["applications"] += 1
    return list(members.values())


# Services filed by a parent about a child named in the form (no pelapor needed).
CHILD_DOCUMENTS = ("AKTA_LAHIR", "KIA")


def _relationship(app: Application) -> str | None:
    if app.reporter:
        return app.reporter["relationship"]
    if definition_of(app).output_document in CHILD_DOCUMENTS:
        return "ANAK"
    return None
