"""Personal data (UU PDP): subject export, the citizen's access log, retention and housekeeping."""

from __future__ import annotations

from typing import Any

from nameko.timer import timer

from services.intake import access_log, subject_export
from services.intake.accounts import credentials, housekeeping
from services.intake.applications.retention import interval_seconds, purge_expired_scans
from services.intake.entrypoints.base import IntakeBase
from silasidakep import export_grant
from silasidakep.messaging import on_event
from silasidakep.rpc import rpc


class PersonalDataRpcs(IntakeBase):
    @timer(interval=3600)
    def purge_account_records(self) -> int:
        """Old one-time codes and long-ended sessions (see accounts/housekeeping.py)."""
        return self._write(housekeeping.purge)

    @timer(interval=interval_seconds())
    def purge_expired_scans(self) -> int:
        """Scans of applications ended more than SCAN_RETENTION_DAYS ago (SKIP LOCKED)."""
        return purge_expired_scans(self.store.session, self.store.outbox, self.objects)

    # --- data-subject export (issue 14; the gateway composes the other services' parts) -----

    @rpc
    def subject_data(self, token: str, nik: str) -> dict[str, Any]:
        """Everything intake holds about ``nik``, for an auditor (role checked before the NIK)."""
        self.store.staff(token, *export_grant.EXPORT_ROLES)
        with self.store.session() as session:
            return subject_export.for_auditor(session, nik)

    @rpc
    def my_subject_data(self, credential: str) -> dict[str, Any]:
        """The signed-in citizen's own records (by the account's verified NIK) and the grant
        the other services accept for exactly those ids."""
        with self.store.session() as session:
            return subject_export.for_citizen(session, credentials.principal(session, credential))

    # --- the citizen's access log ("Riwayat akses data Anda") --------------------------------

    @rpc
    def access_log(self, application_id: str, token: str) -> dict[str, Any]:
        """Who opened or acted on the application: the same credential as its view."""
        with self.store.session() as session:
            return access_log.for_citizen(session, application_id, token)

    @on_event("verification.audit_recorded")
    @on_event("printing.audit_recorded")
    @on_event("notification.audit_recorded")
    def on_audit_recorded(self, envelope: dict) -> None:
        """Another service's audit entry; kept when it names an application."""
        source, event_id, data = access_log.parse_recorded(envelope)
        self.store.consume_once(event_id, "intake.on_audit_recorded",
                                lambda s: access_log.store(s, event_id, source, data))
