"""In-person appointments: citizens book, staff run locations, slots and the counter."""

from __future__ import annotations

import logging
import os
from typing import Any

from nameko.timer import timer

from services.intake.appointments import booking, counter, locations, reminders
from services.intake.entrypoints.base import IntakeBase
from silasidakep.audit_trail import Auditor
from silasidakep.rpc import rpc

log = logging.getLogger(__name__)

# How often the reminder sweep looks for tomorrow's appointments.
REMINDER_INTERVAL_SECONDS = float(os.environ.get("REMINDER_INTERVAL_SECONDS", "300"))
# Who may do what (checked here, not only at the gateway).
LOCATION_ADMINS = ("admin",)
COUNTER_STAFF = ("verifier", "supervisor", "kecamatan_operator")


class AppointmentRpcs(IntakeBase):
    # --- in-person appointments: citizens ----------------------------------------------------

    @rpc
    def list_locations(self, kecamatan_code: str | None = None, step: str | None = None) -> list:
        with self.store.session() as session:
            return booking.list_locations(session, kecamatan_code, step)

    @rpc
    def list_slots(self, location_code: str, date_from: str | None = None,
                   date_to: str | None = None) -> dict[str, Any]:
        with self.store.session() as session:
            return booking.list_slots(session, location_code, date_from, date_to)

    @rpc
    def list_appointments(self, application_id: str, token: str) -> dict[str, Any]:
        with self.store.session() as session:
            return booking.list_for_application(session, application_id, token)

    @rpc
    def book_appointment(self, application_id: str, token: str, step: str,
                         slot_id: int) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(
            lambda s: booking.book(s, outbox, application_id, token, step, slot_id)
        )

    @rpc
    def reschedule_appointment(self, application_id: str, token: str, appointment_id: str,
                               slot_id: int) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(lambda s: booking.reschedule(
            s, outbox, application_id, token, appointment_id, slot_id
        ))

    @rpc
    def cancel_appointment(self, application_id: str, token: str,
                           appointment_id: str) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(
            lambda s: booking.cancel(s, outbox, application_id, token, appointment_id)
        )

    # --- in-person appointments: staff --------------------------------------------------------

    @rpc
    def staff_create_location(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *LOCATION_ADMINS))
        return self._write(lambda s: locations.create_location(s, payload, auditor=auditor))

    @rpc
    def staff_update_location(self, token: str, code: str, changes: dict) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *LOCATION_ADMINS))
        return self._write(lambda s: locations.update_location(s, code, changes,
                                                               auditor=auditor))

    @rpc
    def staff_create_slots(self, token: str, code: str, payload: dict) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *LOCATION_ADMINS))
        return self._write(lambda s: locations.create_slots(s, code, payload, auditor=auditor))

    @rpc
    def staff_set_slot_capacity(self, token: str, slot_id: int, capacity: int) -> dict:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *LOCATION_ADMINS))
        return self._write(lambda s: locations.set_capacity(s, slot_id, capacity,
                                                            auditor=auditor))

    @rpc
    def staff_location_appointments(self, token: str, code: str, day: str | None) -> dict:
        principal = self.store.staff(token, *COUNTER_STAFF)
        log.info("%s listed appointments of %s on %s", principal.username, code, day)
        with self.store.session() as session, session.begin():  # the reading is audited
            return counter.location_day(session, principal, code, day, self.store.outbox)

    @rpc
    def staff_mark_attendance(self, token: str, appointment_id: str, attended: bool) -> dict:
        principal = self.store.staff(token, *COUNTER_STAFF)
        outbox = self.store.outbox
        return self._write(lambda s: counter.mark_attendance(
            s, outbox, appointment_id, attended, principal
        ))

    @timer(interval=REMINDER_INTERVAL_SECONDS, eager=True)
    def send_appointment_reminders(self) -> int:
        """Reminders for tomorrow's appointments, in batches, each batch one transaction."""
        outbox = self.store.outbox
        total = 0
        while True:
            sent = self._write(lambda s: reminders.send_reminders(s, outbox))
            total += sent
            if sent < reminders.REMINDER_BATCH:
                break
        if total:
            log.info("queued %d appointment reminder(s)", total)
        return total
