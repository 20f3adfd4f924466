"""Intake service entrypoints: citizen RPCs for the gateway and the events intake follows."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.orm import Session

from services.intake import complaints
from services.intake.accounts import (
    contacts,
    credentials,
    guest_links,
    housekeeping,
    mine,
    profile,
    signin,
)
from services.intake.accounts import sessions as devices
from services.intake.applications import (
    commands,
    consumers,
    contact_change,
    record,
    reports,
    views,
)
from services.intake.appointments import booking, counter, locations, reminders
from services.intake.models import metadata
from services.intake.ops_metrics import IntakeMetrics
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.errors import DomainError
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker

log = logging.getLogger(__name__)

# How often the reminder sweep looks for tomorrow's appointments.
REMINDER_INTERVAL_SECONDS = float(os.environ.get("REMINDER_INTERVAL_SECONDS", "300"))
# Who may do what with appointments and complaints (checked here, not only at the gateway).
LOCATION_ADMINS = ("admin",)
COUNTER_STAFF = ("verifier", "supervisor", "kecamatan_operator")
COMPLAINT_HANDLERS = ("supervisor", "verifier")


class IntakeService(ServiceOps):
    name = "intake"
    store = Store(metadata)
    ops_metrics = IntakeMetrics()  # applications by status, breaches, volumes (on scrape)

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    def _write(self, action: Callable[[Session], Any]) -> Any:
        with self.store.session() as session, session.begin():
            return action(session)

    @rpc
    def list_services(self) -> list[dict[str, Any]]:
        return views.list_services()

    def _write_or_refuse(self, action: Callable[[Session], tuple[Any, Exception | None]]) -> Any:
        """Commit what ``action`` wrote (a counted wrong code too), then raise its refusal."""
        result, refusal = self._write(action)
        if refusal is not None:
            raise refusal
        return result

    def _as_account(self, credential: str | None,
                    action: Callable[[Session, credentials.Principal], Any]) -> Any:
        return self._write(lambda s: action(s, credentials.principal(s, credential)))

    @rpc
    def create_application(self, payload: dict[str, Any],
                           credential: str | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(
            lambda s: commands.create_application(s, outbox, payload, credential)
        )

    # --- citizen accounts ----------------------------------------------------------------------

    @rpc
    def request_sign_in_code(self, identifier: str, channel: str | None = None,
                             client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(
            lambda s: signin.request_code(s, outbox, identifier, channel, client)
        )

    @rpc
    def sign_in_with_code(self, identifier: str, code: str,
                          client: dict | None = None) -> dict[str, Any]:
        return self._write_or_refuse(lambda s: signin.with_code(s, identifier, code, client))

    @rpc
    def sign_in_with_oidc(self, id_token: str, nonce: str, client: dict | None = None) -> dict:
        return self._write(lambda s: signin.with_oidc(s, id_token, nonce, client))

    @rpc
    def sign_out(self, credential: str) -> None:
        def end(s: Session, who: credentials.Principal) -> None:
            if who.session_id:
                devices.end(s, who.account.id, str(who.session_id))
        self._as_account(credential, end)

    @rpc
    def account(self, credential: str) -> dict[str, Any]:
        return self._as_account(credential, lambda s, who: profile.view(who.account))

    @rpc
    def update_account(self, credential: str, changes: dict[str, Any]) -> dict[str, Any]:
        def change(s: Session, who: credentials.Principal) -> dict[str, Any]:
            profile.update(who.account, changes)
            return profile.view(who.account)
        return self._as_account(credential, change)

    @rpc
    def request_contact_code(self, credential: str, identifier: str, channel: str | None = None,
                             client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._as_account(credential, lambda s, who: contacts.request_code(
            s, outbox, who, identifier, channel, client
        ))

    @rpc
    def add_contact(self, credential: str, identifier: str, code: str) -> dict[str, Any]:
        return self._write_or_refuse(lambda s: contacts.confirm(
            s, credentials.principal(s, credential), identifier, code
        ))

    @rpc
    def account_sessions(self, credential: str) -> dict[str, Any]:
        return self._as_account(credential, lambda s, who: {
            "sessions": devices.listing(s, who.account.id, who.session_id)
        })

    @rpc
    def end_account_session(self, credential: str, session_id: str) -> None:
        self._as_account(
            credential, lambda s, who: devices.end(s, who.account.id, session_id)
        )

    @rpc
    def end_all_account_sessions(self, credential: str) -> int:
        return self._as_account(
            credential, lambda s, who: devices.end_all(s, who.account.id)
        )

    @rpc
    def my_applications(self, credential: str) -> dict[str, Any]:
        return self._as_account(
            credential, lambda s, who: {"applications": mine.applications(s, who.account)}
        )

    @rpc
    def my_family(self, credential: str) -> dict[str, Any]:
        return self._as_account(
            credential, lambda s, who: {"members": mine.family(s, who.account)}
        )

    @rpc
    def request_attach_code(self, credential: str, tracking_code: str,
                            client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._as_account(credential, lambda s, who: guest_links.request_attach(
            s, outbox, who, tracking_code, client
        ))

    @rpc
    def attach_application(self, credential: str, tracking_code: str, code: str) -> dict:
        return self._write_or_refuse(lambda s: guest_links.attach(
            s, credentials.principal(s, credential), tracking_code, code
        ))

    @rpc
    def request_recovery_code(self, tracking_code: str, client: dict | None = None) -> dict:
        outbox = self.store.outbox
        return self._write(
            lambda s: guest_links.request_recovery(s, outbox, tracking_code, client)
        )

    @rpc
    def recover_access(self, tracking_code: str, code: str) -> dict[str, Any]:
        return self._write_or_refuse(lambda s: guest_links.recover(s, tracking_code, code))

    @rpc
    def update_application(self, application_id: str, token: str, changes: dict,
                           client: dict | None = None) -> dict:
        outbox = self.store.outbox
        return self._write(lambda s: commands.update_application(
            s, outbox, application_id, token, changes, client
        ))

    @rpc
    def confirm_contact_change(self, application_id: str, token: str, code: str) -> dict:
        outbox = self.store.outbox
        return self._write_or_refuse(
            lambda s: contact_change.confirm(s, outbox, application_id, token, code)
        )

    @rpc
    def cancel(self, application_id: str, token: str, reason: str | None = None) -> dict:
        outbox = self.store.outbox
        return self._write(
            lambda s: commands.cancel(s, outbox, application_id, token, reason)
        )

    @rpc
    def backlog(self) -> list[dict[str, Any]]:
        with self.store.session() as session:
            return reports.backlog(session)

    @rpc
    def attach_document(self, application_id: str, token: str, upload: dict) -> dict[str, Any]:
        return self._write(lambda s: commands.attach_document(s, application_id, token, upload))

    @rpc
    def check_upload(self, application_id: str, token: str, doc_type: str) -> dict[str, Any]:
        """Raise unless ``token`` may upload ``doc_type`` now: the gateway asks before reading
        the file, so a bad token or a closed application costs no upload."""
        with self.store.session() as session:
            commands.check_upload(session, application_id, token, doc_type)
            return {"doc_type": doc_type}

    @rpc
    def submit(self, application_id: str, token: str) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(lambda s: commands.submit(s, outbox, application_id, token))

    @rpc
    def get_application(self, application_id: str, token: str) -> dict[str, Any]:
        with self.store.session() as session:
            return views.view(session, application_id, token)

    @rpc
    def check_access(self, application_id: str, token: str) -> dict[str, Any]:
        """Raise unless ``token`` opens the application (for routes served by other services)."""
        with self.store.session() as session:
            app = record.load_for_citizen(session, application_id, token)
            return {"application_id": str(app.id), "tracking_code": app.tracking_code}

    @rpc
    def staff_pipeline(self, token: str) -> dict[str, Any]:
        """Supervisors' backlog board: open applications per status, service and kecamatan,
        and the service-time breaches (the digest's list)."""
        self.store.staff(token, "supervisor")
        with self.store.session() as session:
            return {"stages": reports.pipeline(session),
                    "breaches": reports.breaches(session, limit=100)}

    @rpc
    def breaches(self) -> list[dict[str, Any]]:
        """Applications past their service deadline still in the Dinas's hands (staff digest)."""
        with self.store.session() as session:
            return reports.breaches(session)

    @rpc
    def open_document(self, application_id: str, token: str, pin: str) -> dict[str, Any]:
        with self.store.session() as session:
            with session.begin():
                try:
                    return commands.open_document(session, application_id, token, pin)
                except DomainError as exc:
                    # Commit the failed-attempt counter, then fail the call.
                    refusal = exc
            raise refusal

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
        self.store.staff(token, *LOCATION_ADMINS)
        return self._write(lambda s: locations.create_location(s, payload))

    @rpc
    def staff_update_location(self, token: str, code: str, changes: dict) -> dict[str, Any]:
        self.store.staff(token, *LOCATION_ADMINS)
        return self._write(lambda s: locations.update_location(s, code, changes))

    @rpc
    def staff_create_slots(self, token: str, code: str, payload: dict) -> dict[str, Any]:
        self.store.staff(token, *LOCATION_ADMINS)
        return self._write(lambda s: locations.create_slots(s, code, payload))

    @rpc
    def staff_set_slot_capacity(self, token: str, slot_id: int, capacity: int) -> dict:
        self.store.staff(token, *LOCATION_ADMINS)
        return self._write(lambda s: locations.set_capacity(s, slot_id, capacity))

    @rpc
    def staff_location_appointments(self, token: str, code: str, day: str | None) -> dict:
        principal = self.store.staff(token, *COUNTER_STAFF)
        log.info("%s listed appointments of %s on %s", principal.username, code, day)
        with self.store.session() as session:
            return counter.location_day(session, principal, code, day)

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

    @timer(interval=3600)
    def purge_account_records(self) -> int:
        """Old one-time codes and long-ended sessions (see accounts/housekeeping.py)."""
        return self._write(housekeeping.purge)

    # --- complaints and feedback -------------------------------------------------------------

    @rpc
    def complaint_categories(self) -> dict[str, Any]:
        return complaints.categories()

    @rpc
    def file_complaint(self, payload: dict[str, Any]) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(lambda s: complaints.file_complaint(s, outbox, payload))

    @rpc
    def get_complaint(self, tracking_code: str, token: str) -> dict[str, Any]:
        with self.store.session() as session:
            return complaints.view(session, tracking_code, token)

    @rpc
    def staff_list_complaints(self, token: str, status: str | None = None) -> dict[str, Any]:
        self.store.staff(token, *COMPLAINT_HANDLERS)
        with self.store.session() as session:
            return complaints.list_for_staff(session, status)

    @rpc
    def staff_answer_complaint(self, token: str, tracking_code: str, answer: str) -> dict:
        principal = self.store.staff(token, *COMPLAINT_HANDLERS)
        outbox = self.store.outbox
        return self._write(lambda s: complaints.answer(
            s, outbox, tracking_code, answer, principal.username
        ))

    def _follow(self, envelope: dict, event_type: str, handler: str, apply: Callable) -> None:
        event_id, data = parse_envelope(envelope, event_type)
        outbox = self.store.outbox
        self.store.consume_once(event_id, f"intake.{handler}", lambda s: apply(s, outbox, data))

    @on_event("staff.access_changed")
    def on_staff_access_changed(self, envelope: dict) -> None:
        self.store.record_staff_access(parse_envelope(envelope, "staff.access_changed")[1])

    @on_event("verification.claimed")
    def on_verification_claimed(self, envelope: dict) -> None:
        self._follow(envelope, "verification.claimed", "on_verification_claimed",
                     consumers.apply_claim)

    @on_event("verification.decided")
    def on_verification_decided(self, envelope: dict) -> None:
        self._follow(envelope, "verification.decided", "on_verification_decided",
                     consumers.apply_decision)

    @on_event("document.issued")
    def on_document_issued(self, envelope: dict) -> None:
        self._follow(envelope, "document.issued", "on_document_issued",
                     consumers.apply_issued)

    @on_event("document.awaiting_signature")
    def on_document_awaiting_signature(self, envelope: dict) -> None:
        self._follow(envelope, "document.awaiting_signature", "on_document_awaiting_signature",
                     consumers.apply_awaiting_signature)

    @on_event("print_job.changed")
    def on_print_job_changed(self, envelope: dict) -> None:
        self._follow(envelope, "print_job.changed", "on_print_job_changed",
                     consumers.apply_print_job)
