"""Intake service: the application RPCs for the gateway and the events intake follows; the
other groups of entrypoints (accounts, appointments, complaints, personal data) are mixins in
``services/intake/entrypoints/``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.intake import replays
from services.intake.applications import (
    commands,
    consumers,
    contact_change,
    record,
    reports,
    views,
)
from services.intake.entrypoints.accounts import AccountRpcs
from services.intake.entrypoints.appointments import AppointmentRpcs
from services.intake.entrypoints.complaints import ComplaintRpcs
from services.intake.entrypoints.families import FamilyRpcs
from services.intake.entrypoints.front_office import FrontOfficeRpcs
from services.intake.entrypoints.personal_data import PersonalDataRpcs
from services.intake.entrypoints.reports import ReportRpcs
from services.intake.entrypoints.survey import SurveyRpcs
from silasidakep.contracts import parse_envelope
from silasidakep.errors import DomainError
from silasidakep.messaging import on_event
from silasidakep.rpc import rpc


class IntakeService(AccountRpcs, AppointmentRpcs, ComplaintRpcs, PersonalDataRpcs,
                    FrontOfficeRpcs, SurveyRpcs, ReportRpcs, FamilyRpcs):
    name = "intake"

    @rpc
    def catalogue(self) -> dict[str, Any]:
        return views.catalogue()

    @rpc
    def create_application(self, payload: dict[str, Any],
                           credential: str | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(
            lambda s: commands.create_application(s, outbox, payload, credential),
            keep=replays.without("access_token"), replay=replays.application_token(),
        )

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
    def open_document(self, application_id: str, token: str, pin: str,
                      document_number: str | None = None) -> dict[str, Any]:
        with self.store.session() as session:
            with session.begin():
                try:
                    return commands.open_document(session, application_id, token, pin,
                                                  outbox=self.store.outbox,
                                                  document_number=document_number)
                except DomainError as exc:
                    # Commit the failed-attempt counter, then fail the call.
                    refusal = exc
            raise refusal

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

    @on_event("document.revoked")
    def on_document_revoked(self, envelope: dict) -> None:
        self._follow(envelope, "document.revoked", "on_document_revoked",
                     consumers.apply_revoked)

    @on_event("document.awaiting_signature")
    def on_document_awaiting_signature(self, envelope: dict) -> None:
        self._follow(envelope, "document.awaiting_signature", "on_document_awaiting_signature",
                     consumers.apply_awaiting_signature)

    @on_event("print_job.changed")
    def on_print_job_changed(self, envelope: dict) -> None:
        self._follow(envelope, "print_job.changed", "on_print_job_changed",
                     consumers.apply_print_job)
