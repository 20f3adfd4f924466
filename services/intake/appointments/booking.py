"""Citizens: find a location and a free slot, book, reschedule and cancel; an application that
ends without a document (cancelled, rejected) gives its places back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.applications.record import definition_of, load_for_citizen
from services.intake.appointments.parsing import parse_date, slot_key
from services.intake.appointments.rows import (
    BOOKABLE,
    BOOKED,
    CANCELLED,
    citizen_application,
    free_place,
    location,
    lock_application,
    lock_appointment,
    slot_start,
    slot_with_location,
    take_place,
)
from services.intake.appointments.views import appointment_view, event, location_view, slot_view
from services.intake.domain.status import Status
from services.intake.models import Application, Appointment, Location, Slot
from silasidakep.clock import now_utc, today_wib
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, ValidationFailed
from silasidakep.text import storable

MAX_SLOT_RANGE_DAYS = 62  # what a citizen may list at once


def list_locations(
    session: Session, kecamatan_code: str | None = None, step: str | None = None,
    include_inactive: bool = False,
) -> list[dict[str, Any]]:
    if not storable(f"{kecamatan_code or ''}{step or ''}"):
        return []  # nothing is called that (and PostgreSQL cannot compare it)
    query = select(Location).order_by(Location.kind, Location.name)
    if not include_inactive:
        query = query.where(Location.active.is_(True))
    if kecamatan_code:
        query = query.where(Location.kecamatan_code == kecamatan_code)
    if step:
        query = query.where(Location.steps.contains([step]))
    return [location_view(found) for found in session.scalars(query)]


def list_slots(
    session: Session, location_code: str, date_from: Any = None, date_to: Any = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Slots not yet started in [from, to] (default: the next 14 days), with places left."""
    now = now or now_utc()
    today = today_wib(now)
    place = location(session, location_code)
    start = max(parse_date(date_from, "from") if date_from else today, today)
    end = parse_date(date_to, "to") if date_to else start + timedelta(days=13)
    if end < start:
        raise ValidationFailed(
            fields={"to": ["Tanggal akhir tidak boleh sebelum tanggal awal."]},
            code="INVALID_DATE_RANGE",
        )
    if (end - start).days >= MAX_SLOT_RANGE_DAYS:
        raise ValidationFailed(
            fields={"to": [f"Rentang paling lama {MAX_SLOT_RANGE_DAYS} hari."]},
            code="INVALID_DATE_RANGE",
        )
    slots = session.scalars(
        select(Slot)
        .where(Slot.location_code == place.code, Slot.date >= start, Slot.date <= end)
        .order_by(Slot.date, Slot.start_time)
    ).all()
    return {
        "location": location_view(place),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "slots": [
            slot_view(slot, now) for slot in slots if place.active and slot_start(slot) > now
        ],
    }


def _require_bookable(app: Application, step: Any) -> None:
    if Status(app.status) not in BOOKABLE:
        raise Conflict(
            "Jadwal kedatangan dapat dipesan setelah permohonan diajukan, dan tidak untuk"
            " permohonan yang ditolak atau dibatalkan.",
            code="NOT_BOOKABLE",
        )
    if not isinstance(step, str) or definition_of(app).presence_step(step) is None:
        raise Conflict(
            "Layanan ini tidak memerlukan kedatangan untuk langkah tersebut.",
            fields={"step": ["Langkah ini tidak diperlukan untuk layanan ini."]},
            code="STEP_NOT_REQUIRED",
        )
    if step in (app.presence_done or {}):
        raise Conflict("Langkah ini sudah selesai dilakukan.", code="STEP_ALREADY_DONE")


def _require_slot_for(slot: Slot, place: Location, step: str, now: datetime) -> None:
    if not place.active:
        raise Conflict("Lokasi layanan ini sedang tidak melayani.", code="LOCATION_INACTIVE")
    if step not in place.steps:
        raise Conflict(
            "Lokasi ini tidak melayani langkah tersebut. Pilih lokasi lain.",
            code="STEP_NOT_OFFERED",
        )
    if slot_start(slot) <= now:
        raise Conflict("Jadwal ini sudah lewat. Pilih jadwal lain.", code="SLOT_IN_PAST")


def book(
    session: Session, outbox: Outbox, application_id: str, token: str | None, step: str,
    slot_id: Any, now: datetime | None = None,
) -> dict[str, Any]:
    app = citizen_application(session, application_id, token)
    return book_for(session, outbox, app, step, slot_id, now)


def book_for(
    session: Session, outbox: Outbox, app: Application, step: str, slot_id: Any,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Book ``step`` for ``app`` (row-locked by the caller): the citizen's or the counter's."""
    now = now or now_utc()
    _require_bookable(app, step)
    existing = session.scalar(
        select(Appointment.id).where(
            Appointment.application_id == app.id, Appointment.step == step,
            Appointment.status == BOOKED,
        )
    )
    if existing is not None:
        raise Conflict(
            "Anda sudah memiliki jadwal untuk langkah ini. Ubah jadwal yang ada bila perlu.",
            fields={"appointment_id": [str(existing)]},
            code="ALREADY_BOOKED",
        )
    chosen, place = slot_with_location(session, slot_key(slot_id))
    _require_slot_for(chosen, place, step, now)
    take_place(session, chosen)
    appointment = Appointment(
        id=uuid.uuid4(), application_id=app.id, step=step, slot_id=chosen.id, status=BOOKED,
        booked_at=now, updated_at=now,
    )
    session.add(appointment)
    session.flush()
    outbox.add(session, "appointment.booked", event(appointment, chosen, place, app))
    return appointment_view(appointment, chosen, place, app)


def reschedule(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    appointment_id: Any, slot_id: Any, now: datetime | None = None,
) -> dict[str, Any]:
    """Move a booking to another slot in one transaction: the new place is taken and the old
    one freed together, or neither (SLOT_FULL leaves the booking where it was)."""
    now = now or now_utc()
    app = citizen_application(session, application_id, token)
    appointment = lock_appointment(session, app, appointment_id)
    if appointment.status != BOOKED:
        raise Conflict("Janji temu ini tidak aktif lagi.", code="APPOINTMENT_NOT_ACTIVE")
    _require_bookable(app, appointment.step)
    new_id = slot_key(slot_id)
    if new_id == appointment.slot_id:
        raise Conflict("Jadwal baru sama dengan jadwal sekarang.", code="SAME_SLOT")
    chosen, place = slot_with_location(session, new_id)
    _require_slot_for(chosen, place, appointment.step, now)
    old_id = appointment.slot_id
    # Row locks in ascending slot id: two reschedules crossing between the same two slots
    # cannot deadlock.
    for locked_id in sorted((old_id, new_id)):
        if locked_id == new_id:
            take_place(session, chosen)
        else:
            free_place(session, old_id)
    appointment.slot_id = chosen.id
    appointment.updated_at = now
    appointment.reminder_sent_at = None  # a new date deserves its own reminder
    session.flush()
    outbox.add(session, "appointment.rescheduled", event(appointment, chosen, place, app))
    return appointment_view(appointment, chosen, place, app)


def _cancel(
    session: Session, outbox: Outbox, app: Application, appointment: Appointment, at: datetime
) -> None:
    free_place(session, appointment.slot_id)
    appointment.status = CANCELLED
    appointment.updated_at = at
    slot, place = slot_with_location(session, appointment.slot_id)
    outbox.add(session, "appointment.cancelled", event(appointment, slot, place, app))


def cancel(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    appointment_id: Any, now: datetime | None = None,
) -> dict[str, Any]:
    now = now or now_utc()
    app = citizen_application(session, application_id, token)
    appointment = lock_appointment(session, app, appointment_id)
    if appointment.status != BOOKED:
        raise Conflict("Janji temu ini tidak aktif lagi.", code="APPOINTMENT_NOT_ACTIVE")
    _cancel(session, outbox, app, appointment, now)
    session.flush()
    slot, place = slot_with_location(session, appointment.slot_id)
    return appointment_view(appointment, slot, place, app)


def cancel_for_application(
    session: Session, outbox: Outbox, application_id: uuid.UUID | str, at: datetime
) -> int:
    """The application was cancelled or rejected (the caller holds its row lock): cancel its
    live bookings and free their places. Returns how many were cancelled."""
    app = lock_application(session, uuid.UUID(str(application_id)))
    booked = session.scalars(
        select(Appointment)
        .where(Appointment.application_id == app.id, Appointment.status == BOOKED)
        .order_by(Appointment.slot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for appointment in booked:
        _cancel(session, outbox, app, appointment, at)
    return len(booked)


def list_for_application(
    session: Session, application_id: str, token: str | None
) -> dict[str, Any]:
    app = load_for_citizen(session, application_id, token)
    definition = definition_of(app)
    rows = session.execute(
        select(Appointment, Slot, Location)
        .join(Slot, Appointment.slot_id == Slot.id)
        .join(Location, Slot.location_code == Location.code)
        .where(Appointment.application_id == app.id)
        .order_by(Appointment.booked_at)
    ).all()
    return {
        "application_id": str(app.id),
        "tracking_code": app.tracking_code,
        "can_book": Status(app.status) in BOOKABLE,
        "steps": [
            {"step": p.step, "label": p.label, "before_issuance": p.before_issuance,
             "done_at": (app.presence_done or {}).get(p.step)}
            for p in definition.presence
        ],
        "appointments": [appointment_view(a, s, loc, app) for a, s, loc in rows],
    }
