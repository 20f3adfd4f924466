"""Staff at the counter: a location's appointments of the day, and who came."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import access_log
from services.intake.applications.presence import record_presence
from services.intake.appointments.parsing import appointment_key, parse_date
from services.intake.appointments.rows import (
    ATTENDED,
    BOOKED,
    CANCELLED,
    NO_SHOW,
    location,
    lock_application,
    lock_appointment,
    slot_start,
    slot_with_location,
)
from services.intake.appointments.views import location_view, slot_view, staff_appointment_view
from services.intake.models import Application, Appointment, Slot
from silasidakep.audit_trail import Auditor
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc, today_wib
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, NotFound

log = logging.getLogger(__name__)


# Dinas-wide counter staff serve every office; a kecamatan operator only its own kecamatan's.
ANY_OFFICE = ("verifier", "supervisor")


def location_day(session: Session, principal: StaffPrincipal, location_code: str,
                 day: Any = None, outbox: Outbox | None = None) -> dict[str, Any]:
    """A location's slots on one day (default today) with who is coming (cancelled bookings
    left out). With ``outbox`` the reading is audited (names and NIKs are on the list)."""
    place = location(session, location_code)
    principal.require_office(place.kecamatan_code, ANY_OFFICE)
    on = parse_date(day, "date") if day else today_wib(now_utc())
    slots = session.scalars(
        select(Slot).where(Slot.location_code == place.code, Slot.date == on)
        .order_by(Slot.start_time)
    ).all()
    rows = session.execute(
        select(Appointment, Application)
        .join(Application, Appointment.application_id == Application.id)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Slot.location_code == place.code, Slot.date == on,
               Appointment.status != CANCELLED)
        .order_by(Appointment.booked_at)
    ).all()
    by_slot: dict[int, list[dict[str, Any]]] = {}
    for appointment, app in rows:
        by_slot.setdefault(appointment.slot_id, []).append(
            staff_appointment_view(appointment, app)
        )
    result = {
        "location": location_view(place),
        "date": on.isoformat(),
        "slots": [{**slot_view(s), "appointments": by_slot.get(s.id, [])} for s in slots],
    }
    if outbox is not None:
        access_log.record(session, Auditor(outbox, principal), "VIEW_APPOINTMENTS",
                          detail=f"location={place.code} date={on.isoformat()} n={len(rows)}")
    return result


def mark_attendance(
    session: Session, outbox: Outbox, appointment_id: Any, attended: bool,
    principal: StaffPrincipal, at: datetime | None = None,
) -> dict[str, Any]:
    """Staff at the counter: the citizen came (the in-person step is recorded with the
    application, which may release issuance) or did not come. Marking the same result again
    changes nothing; a no-show may still be corrected to attended (the citizen came late)."""
    at = at or now_utc()
    key = appointment_key(appointment_id)
    application_id = session.scalar(
        select(Appointment.application_id).where(Appointment.id == key)
    )
    if application_id is None:
        raise NotFound("Janji temu tidak ditemukan.", code="APPOINTMENT_NOT_FOUND")
    app = lock_application(session, application_id)
    appointment = lock_appointment(session, app, key)
    target = ATTENDED if attended else NO_SHOW
    if appointment.status == target:
        return staff_appointment_view(appointment, app)
    if not (appointment.status == BOOKED or (appointment.status == NO_SHOW and attended)):
        raise Conflict(
            f"Janji temu berstatus {appointment.status} tidak dapat ditandai {target}.",
            code="APPOINTMENT_NOT_ACTIVE",
        )
    slot, place = slot_with_location(session, appointment.slot_id)
    principal.require_office(place.kecamatan_code, ANY_OFFICE)
    if attended and today_wib(at) < slot.date:
        raise Conflict("Janji temu ini untuk hari lain.", code="APPOINTMENT_NOT_TODAY")
    if not attended and at < slot_start(slot):
        raise Conflict("Jadwal ini belum dimulai.", code="SLOT_NOT_STARTED")
    appointment.status = target
    appointment.updated_at = at
    appointment.marked_by = principal.username
    if attended:
        record_presence(session, outbox, app.id, appointment.step, at)
    session.flush()
    access_log.record(session, Auditor(outbox, principal), "MARK_ATTENDANCE",
                      application_id=app.id, detail=f"step={appointment.step} {target}")
    log.info("appointment %s marked %s by %s", appointment.id, target, principal.username)
    return staff_appointment_view(appointment, app)
