"""The day-before reminder of every booking (``appointment.reminder_due``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.appointments.rows import BOOKABLE, BOOKED
from services.intake.appointments.views import event
from services.intake.models import Application, Appointment, Location, Slot
from silasidakep.clock import now_utc, today_wib
from silasidakep.db import Outbox

REMINDER_BATCH = 200


def send_reminders(
    session: Session, outbox: Outbox, now: datetime | None = None, limit: int = REMINDER_BATCH
) -> int:
    """Mark up to ``limit`` of tomorrow's (WIB) bookings reminded and emit their reminders.
    SKIP LOCKED: several intake processes may run this at once without sending twice."""
    now = now or now_utc()
    tomorrow = today_wib(now) + timedelta(days=1)
    rows = session.execute(
        select(Appointment, Slot, Location, Application)
        .join(Slot, Appointment.slot_id == Slot.id)
        .join(Location, Slot.location_code == Location.code)
        .join(Application, Appointment.application_id == Application.id)
        .where(Appointment.status == BOOKED, Appointment.reminder_sent_at.is_(None),
               Slot.date == tomorrow, Application.status.in_(BOOKABLE))
        .order_by(Slot.start_time, Appointment.id)
        .limit(limit)
        .with_for_update(of=Appointment, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for appointment, slot, location, app in rows:
        appointment.reminder_sent_at = now
        outbox.add(session, "appointment.reminder_due", event(appointment, slot, location, app))
    return len(rows)
