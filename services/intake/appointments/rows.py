"""Appointment, slot and location rows: loading them in the lock order (see the package), and the
one statement that takes a place."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.intake.applications.record import load_for_citizen
from services.intake.appointments.parsing import appointment_key
from services.intake.catalogue import load_catalogue
from services.intake.domain.status import Status
from services.intake.models import Application, Appointment, Location, Slot
from silasidakep.clock import WIB
from silasidakep.errors import Conflict, NotFound
from silasidakep.text import storable

BOOKED, CANCELLED, ATTENDED, NO_SHOW = "BOOKED", "CANCELLED", "ATTENDED", "NO_SHOW"
# Booking opens once the application is submitted and closes when it ends without a document.
BOOKABLE = frozenset({
    Status.SUBMITTED, Status.IN_VERIFICATION, Status.REVISION_REQUESTED,
    Status.AWAITING_BIOMETRICS, Status.APPROVED, Status.AWAITING_SIGNATURE, Status.ISSUED,
})


def slot_start(slot: Slot) -> datetime:
    return datetime.combine(slot.date, slot.start_time, tzinfo=WIB)


def known_steps() -> dict[str, str]:
    """Every presence step of the catalogue, with its label."""
    steps: dict[str, str] = {}
    for service in load_catalogue().values():
        for presence in service.presence:
            steps.setdefault(presence.step, presence.label)
    return steps


def lock_application(session: Session, application_id: uuid.UUID) -> Application:
    # populate_existing: the row may already sit in the identity map from an unlocked read.
    return session.scalars(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def citizen_application(session: Session, application_id: str, token: str | None) -> Application:
    app = load_for_citizen(session, application_id, token)
    return lock_application(session, app.id)


def lock_appointment(session: Session, app: Application, appointment_id: Any) -> Appointment:
    appointment = session.scalars(
        select(Appointment)
        .where(Appointment.id == appointment_key(appointment_id),
               Appointment.application_id == app.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if appointment is None:
        raise NotFound("Janji temu tidak ditemukan.", code="APPOINTMENT_NOT_FOUND")
    return appointment


def slot_with_location(session: Session, slot_id: int) -> tuple[Slot, Location]:
    row = session.execute(
        select(Slot, Location).join(Location, Slot.location_code == Location.code)
        .where(Slot.id == slot_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise NotFound("Jadwal tidak ditemukan.", code="SLOT_NOT_FOUND")
    return row[0], row[1]


def location(session: Session, code: str, lock: bool = False) -> Location:
    key = str(code).upper()
    query = select(Location).where(Location.code == key)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalars(query).one_or_none() if storable(key) else None
    if found is None:
        raise NotFound("Lokasi layanan tidak ditemukan.", code="LOCATION_NOT_FOUND")
    return found


def take_place(session: Session, slot: Slot) -> None:
    """Take one place in the slot, or raise SLOT_FULL. The one statement that books."""
    booked = session.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .returning(Slot.booked)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if booked is None:
        raise Conflict(
            "Kuota jadwal ini sudah penuh. Silakan pilih jadwal lain.", code="SLOT_FULL"
        )
    set_committed_value(slot, "booked", booked)


def free_place(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def booked_count(session: Session, slot_id: int) -> int:
    """Live bookings of a slot, counted from the appointments (for checks and tests)."""
    return session.scalar(
        select(func.count()).select_from(Appointment)
        .where(Appointment.slot_id == slot_id, Appointment.status.in_((BOOKED, ATTENDED, NO_SHOW)))
    ) or 0
