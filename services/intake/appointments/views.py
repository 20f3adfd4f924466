"""Locations, slots and appointments as citizens and staff see them, and as events carry them."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from services.intake.applications.record import definition_of, recipient
from services.intake.appointments.rows import known_steps, slot_start
from services.intake.models import Application, Appointment, Location, Slot
from silasidakep.masking import mask_nik


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def location_view(location: Location) -> dict[str, Any]:
    labels = known_steps()
    return {
        "code": location.code,
        "name": location.name,
        "kind": location.kind,
        "kecamatan_code": location.kecamatan_code,
        "address": location.address,
        "steps": [{"step": s, "label": labels.get(s, s)} for s in location.steps],
        "active": location.active,
    }


def slot_view(slot: Slot, now: datetime | None = None) -> dict[str, Any]:
    remaining = max(slot.capacity - slot.booked, 0)
    view = {
        "id": slot.id,
        "location_code": slot.location_code,
        "date": slot.date.isoformat(),
        "start_time": _hhmm(slot.start_time),
        "end_time": _hhmm(slot.end_time),
        "capacity": slot.capacity,
        "booked": slot.booked,
        "remaining": remaining,
    }
    if now is not None:
        view["available"] = remaining > 0 and slot_start(slot) > now
    return view


def step_label(app: Application, step: str) -> str:
    presence = definition_of(app).presence_step(step)
    return presence.label if presence else known_steps().get(step, step)


def appointment_view(
    appointment: Appointment, slot: Slot, location: Location, app: Application
) -> dict[str, Any]:
    return {
        "id": str(appointment.id),
        "application_id": str(appointment.application_id),
        "tracking_code": app.tracking_code,
        "step": appointment.step,
        "step_label": step_label(app, appointment.step),
        "status": appointment.status,
        "slot": slot_view(slot),
        "location": {
            "code": location.code, "name": location.name, "kind": location.kind,
            "address": location.address,
        },
        "booked_at": appointment.booked_at.isoformat(),
        "updated_at": appointment.updated_at.isoformat(),
    }


def staff_appointment_view(appointment: Appointment, app: Application) -> dict[str, Any]:
    return {
        "id": str(appointment.id),
        "status": appointment.status,
        "step": appointment.step,
        "step_label": step_label(app, appointment.step),
        "application_id": str(app.id),
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": definition_of(app).name,
        "application_status": app.status,
        "applicant": {"name": app.name, "nik_masked": mask_nik(app.nik), "phone": app.phone},
        "booked_at": appointment.booked_at.isoformat(),
        "marked_by": appointment.marked_by,
    }


def event(appointment: Appointment, slot: Slot, location: Location, app: Application) -> dict:
    """The data of ``appointment.booked`` / ``rescheduled`` / ``cancelled`` / ``reminder_due``."""
    return {
        "appointment_id": appointment.id,
        "application_id": app.id,
        "tracking_code": app.tracking_code,
        "step": appointment.step,
        "step_label": step_label(app, appointment.step),
        "location": {"code": location.code, "name": location.name, "address": location.address},
        "slot_date": slot.date,
        "start_time": slot.start_time,
        "end_time": slot.end_time,
        "recipient": recipient(app),
    }
