"""Verification service entrypoints: staff RPCs for the gateway and the submissions it queues."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from services.verification import audit, audit_inbox, queue, reasons, staff, supervision, totp
from services.verification.models import metadata
from services.verification.subject_export import auditor as export_auditor
from services.verification.subject_export import export as export_subject
from silasidakep.auth import StaffPrincipal
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.export_grant import authorize as authorize_export
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.rpc import rpc


def client_ip(client: dict[str, Any] | None) -> str | None:
    """The caller's address as the gateway saw it (see gateway/http.py ``client_address``)."""
    value = (client or {}).get("ip")
    return str(value)[:64] if value else None


class VerificationService(ServiceOps):
    name = "verification"
    store = Store(metadata)

    def __init__(self) -> None:
        self.jwt_secret = load_settings().jwt_secret

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    @contextmanager
    def _as_staff(self, token: str, *roles: str) -> Iterator[tuple[Session, StaffPrincipal]]:
        """One transaction as the staff member behind ``token``: the account is checked (still
        active, same token version) in that transaction, then ``roles`` if given."""
        with self.store.session() as session, session.begin():
            principal = staff.authenticate(session, token, self.jwt_secret)
            if roles:
                principal.require(*roles)
            yield session, principal

    def _once_as_staff(self, token: str, action: Callable[[Session, StaffPrincipal], Any],
                       *roles: str) -> Any:
        """A state-changing staff action: like ``_as_staff``, and once per request id, so a
        request redelivered after a crash answers the first result (a decision is not
        refused as ALREADY_DECIDED by its own repeat)."""
        def run(session: Session) -> Any:
            principal = staff.authenticate(session, token, self.jwt_secret)
            if roles:
                principal.require(*roles)
            return action(session, principal)
        return self.store.write(run)

    # Staff RPCs take ``client``, a dict from the gateway with the caller's address ("ip"), which
    # goes into the access log with every action. Each checks the token against the account
    # (still active, same token version) in the same transaction.

    @rpc
    def login(
        self, username: str, password: str, client: dict[str, Any] | None = None,
        totp_code: str | None = None,
    ) -> dict[str, str]:
        with self.store.session() as session:
            token = staff.login(session, username, password, self.jwt_secret, client_ip(client),
                                totp_code=totp_code)
        return {"token": token}

    @rpc
    def start_totp_enrolment(
        self, token: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with self._as_staff(token) as (session, principal):
            return totp.start_enrolment(session, principal, self.jwt_secret, client_ip(client))

    @rpc
    def confirm_totp_enrolment(
        self, token: str, code: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._once_as_staff(token, lambda session, principal: totp.confirm_enrolment(
            session, principal, code, self.jwt_secret, client_ip(client)
        ))

    @rpc
    def reset_staff_totp(
        self, token: str, username: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._once_as_staff(token, lambda session, principal: totp.reset(
            session, principal.staff_id, principal.username, username, client_ip(client)
        ), "admin")

    @rpc
    def claim_next(
        self, token: str, filters: dict[str, Any] | None = None,
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        filters = filters or {}

        def claim(session: Session, principal: StaffPrincipal) -> dict[str, Any] | None:
            item = queue.claim_next(
                session, self.store.outbox, principal,
                service_code=filters.get("service_code") or None,
                kecamatan_code=filters.get("kecamatan_code") or None,
                client_ip=client_ip(client),
            )
            return queue.item_view(item) if item else None
        return self._once_as_staff(token, claim)

    @rpc
    def get_application(
        self, token: str, application_id: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with self._as_staff(token) as (session, principal):
            return queue.staff_view(session, principal, application_id, client_ip(client))

    @rpc
    def reason_codes(self, token: str, include_inactive: bool = False) -> dict[str, Any]:
        """The active reason codes grouped by decision (for the decision form) and as a list;
        ``include_inactive`` (admins only) lists deactivated codes too."""
        with self._as_staff(token) as (session, principal):
            if include_inactive:
                principal.require("admin")
            else:
                principal.require("verifier", "supervisor", "admin")
            codes = reasons.list_codes(session, include_inactive)
        return {"reason_codes": reasons.grouped(codes), "codes": codes}

    @rpc
    def create_reason_code(
        self, token: str, body: dict[str, Any], client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._once_as_staff(token, lambda session, principal: reasons.create(
            session, staff.Actor.of(principal, client_ip(client)),
            body["code"], body["text"], body["decisions"],
        ), "admin")

    @rpc
    def update_reason_code(
        self, token: str, code: str, changes: dict[str, Any],
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self._once_as_staff(token, lambda session, principal: reasons.update(
            session, staff.Actor.of(principal, client_ip(client)), code,
            reason_text=changes.get("text"), decisions=changes.get("decisions"),
            active=changes.get("active"),
        ), "admin")

    # --- supervisors: reassign or return a claim, the backlog board --------------------------

    @rpc
    def return_claim(
        self, token: str, application_id: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        def give_back(session: Session, principal: StaffPrincipal) -> dict[str, Any]:
            item = supervision.return_to_queue(session, principal, application_id,
                                               client_ip(client))
            return {"id": str(item.application_id), "state": item.state}
        return self._once_as_staff(token, give_back)

    @rpc
    def reassign_claim(
        self, token: str, application_id: str, username: str,
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        def reassign(session: Session, principal: StaffPrincipal) -> dict[str, Any]:
            item = supervision.reassign(session, self.store.outbox, principal, application_id,
                                        username, client_ip(client))
            return {"id": str(item.application_id), "state": item.state,
                    "claimed_by": username,
                    "lease_expires_at": item.lease_expires_at.isoformat()}
        return self._once_as_staff(token, reassign)

    @rpc
    def backlog_board(
        self, token: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with self._as_staff(token) as (session, principal):
            return supervision.board(session, principal, client_ip(client))

    @rpc
    def my_claims(self, token: str) -> dict[str, Any]:
        with self._as_staff(token) as (session, principal):
            return {"claims": supervision.my_claims(session, principal)}

    @rpc
    def document_ref(
        self, token: str, application_id: str, doc_type: str,
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self._as_staff(token) as (session, principal):
            return queue.document_ref(session, principal, application_id, doc_type,
                                      client_ip(client))

    @rpc
    def decide(
        self, token: str, application_id: str, decision: dict[str, Any],
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        def decide(session: Session, principal: StaffPrincipal) -> dict[str, Any]:
            item = queue.decide(
                session, self.store.outbox, principal, application_id,
                decision["decision"], decision.get("reason_code"), decision.get("note"),
                decision.get("fix_fields"), decision.get("fix_documents"),
                client_ip=client_ip(client),
            )
            return {"id": str(item.application_id), "state": item.state,
                    "decision": decision["decision"]}
        return self._once_as_staff(token, decide)

    # --- staff accounts (role admin) --------------------------------------------------------

    @rpc
    def list_staff_accounts(
        self, token: str, client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with self._as_staff(token, "admin") as (session, principal):
            actor = staff.Actor.of(principal, client_ip(client))
            return {"accounts": staff.list_accounts(session, actor)}

    @rpc
    def create_staff_account(
        self, token: str, account: dict[str, Any], client: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._once_as_staff(token, lambda session, principal: staff.create_account(
            session, staff.Actor.of(principal, client_ip(client)),
            account["username"], list(account["roles"]), account["password"],
            account.get("kecamatan_code"), account.get("location_code"),
        ), "admin")

    @rpc
    def update_staff_account(
        self, token: str, username: str, changes: dict[str, Any],
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self._once_as_staff(token, lambda session, principal: staff.update_account(
            session, staff.Actor.of(principal, client_ip(client)), username,
            roles=changes.get("roles"), active=changes.get("active"),
            password=changes.get("password"), kecamatan_code=changes.get("kecamatan_code"),
            location_code=changes.get("location_code"),
        ), "admin")

    # --- the access log (roles auditor, supervisor) ------------------------------------------

    @rpc
    def audit_log(
        self, token: str, query: dict[str, Any] | None = None,
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Entries matching ``query`` (from, to, application_id, username, after, limit,
        format json|csv) with the verification of the whole chain. Reading it is logged."""
        with self._as_staff(token, "auditor", "supervisor") as (session, principal):
            return audit.read_log(session, principal, query or {}, client_ip(client))

    @rpc
    def subject_data(
        self, token: str, application_ids: list[str], nik: str | None = None,
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Data-subject export (issue 14): decisions and chain entries of these applications,
        for an auditor or a citizen's export grant; the export is appended as SUBJECT_EXPORT
        in the same transaction (a citizen's exports are limited per day here)."""
        with self.store.session() as session, session.begin():
            caller, ids, _ = authorize_export(
                token, application_ids, lambda t: export_auditor(session, t, self.jwt_secret)
            )
            return export_subject(session, caller, ids, nik, client_ip(client))

    @on_event("application.submitted")
    def on_application_submitted(self, envelope: dict) -> None:
        event_id, data = parse_envelope(envelope, "application.submitted")
        self.store.consume_once(
            event_id, "verification.on_application_submitted",
            lambda session: queue.enqueue(session, data),
        )

    @on_event("application.cancelled")
    def on_application_cancelled(self, envelope: dict) -> None:
        event_id, data = parse_envelope(envelope, "application.cancelled")
        self.store.consume_once(
            event_id, "verification.on_application_cancelled",
            lambda session: queue.cancel(session, data),
        )

    @on_event("intake.audit_recorded")
    @on_event("printing.audit_recorded")
    @on_event("notification.audit_recorded")
    def on_audit_recorded(self, envelope: dict) -> None:
        """Another service's staff action or read joins the chain, once per event."""
        source, event_id, data = audit_inbox.parse(envelope)
        self.store.consume_once(
            event_id, "verification.on_audit_recorded",
            lambda session: audit_inbox.append_recorded(session, source, data),
        )
