"""Notification service: every citizen-facing event becomes one message per chosen channel.

Channels: EMAIL (SMTP), SMS and WHATSAPP (HTTP providers, see ``channels/``), INBOX (stored here,
read on the tracking page through the gateway). See docs/notifications.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from nameko.timer import timer

from services.notification import (
    dispatch,
    rendering,
    staff_audit,
    staff_notices,
    subject_export,
)
from services.notification.channels.configured import process_senders
from services.notification.models import metadata
from services.notification.receipts import parse_receipt
from services.notification.webhooks import deliveries, subscribers
from silasidakep import export_grant
from silasidakep.audit_trail import Auditor
from silasidakep.config import is_development, load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.errors import NotFound, ValidationFailed
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.rpc import TimedRpcProxy, rpc

log = logging.getLogger(__name__)

STAFF_ROLES = ("supervisor", "admin")
# How often failed webhook deliveries whose backoff has passed are tried again.
WEBHOOK_SWEEP_SECONDS = float(os.environ.get("WEBHOOK_SWEEP_SECONDS", "5"))
# How often sends this process saw accepted but could not record are written again, so they are
# recorded soon after the database is back even if their event is redelivered elsewhere.
RECORD_SWEEP_SECONDS = float(os.environ.get("NOTIFY_RECORD_SWEEP_SECONDS", "5"))


class NotificationService(ServiceOps):
    name = "notification"
    store = Store(metadata)
    intake = TimedRpcProxy("intake")  # a dead intake must not hang the digest timer

    def __init__(self) -> None:
        settings = load_settings()
        self.public_base_url = settings.public_base_url
        self.senders = process_senders()
        self.policy = dispatch.Policy.from_env()

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    def _deliver(self, envelope: dict, event_type: str) -> None:
        event_id, event = parse_envelope(envelope, event_type)
        try:
            dispatch.deliver_event(
                self.store.sessions, self.policy, self.senders, event_id, event_type, event,
                self.public_base_url,
            )
        finally:
            self._alert_if_failing()

    # --- citizen events ----------------------------------------------------------------------

    @on_event("staff.access_changed")
    def on_staff_access_changed(self, envelope: dict) -> None:
        self.store.record_staff_access(parse_envelope(envelope, "staff.access_changed")[1])

    @on_event("application.status_changed")
    def on_status_changed(self, envelope: dict) -> None:
        self._deliver(envelope, "application.status_changed")

    @on_event("application.download_pin_issued")
    def on_download_pin_issued(self, envelope: dict) -> None:
        self._deliver(envelope, "application.download_pin_issued")

    @on_event("citizen.code_requested")
    def on_code_requested(self, envelope: dict) -> None:
        """A one-time code: on exactly the one channel chosen, never throttled, never stored."""
        self._deliver(envelope, "citizen.code_requested")

    @on_event("application.contact_changed")
    def on_contact_changed(self, envelope: dict) -> None:
        """Tell the old contact that the application's email or phone was changed."""
        self._deliver(envelope, "application.contact_changed")

    @on_event("appointment.booked")
    def on_appointment_booked(self, envelope: dict) -> None:
        self._deliver(envelope, "appointment.booked")

    @on_event("appointment.rescheduled")
    def on_appointment_rescheduled(self, envelope: dict) -> None:
        self._deliver(envelope, "appointment.rescheduled")

    @on_event("appointment.cancelled")
    def on_appointment_cancelled(self, envelope: dict) -> None:
        self._deliver(envelope, "appointment.cancelled")

    @on_event("appointment.reminder_due")
    def on_appointment_reminder_due(self, envelope: dict) -> None:
        self._deliver(envelope, "appointment.reminder_due")

    @on_event("complaint.filed")
    def on_complaint_filed(self, envelope: dict) -> None:
        self._deliver(envelope, "complaint.filed")

    @on_event("complaint.answered")
    def on_complaint_answered(self, envelope: dict) -> None:
        self._deliver(envelope, "complaint.answered")

    @on_event("application.document_revoked")
    def on_document_revoked(self, envelope: dict) -> None:
        """One of the citizen's documents was revoked: which one, why, and what to do."""
        self._deliver(envelope, "application.document_revoked")

    @on_event("survey.invited")
    def on_survey_invited(self, envelope: dict) -> None:
        """The invitation to the IKM survey after an application ended."""
        self._deliver(envelope, "survey.invited")

    @timer(interval=RECORD_SWEEP_SECONDS)
    def close_idle_connections(self) -> None:
        """QUIT kept SMTP connections nobody used for a while."""
        email = self.senders.get("EMAIL")
        if email is not None:
            email.tidy()

    @timer(interval=RECORD_SWEEP_SECONDS)
    def record_sent_marks(self) -> int:
        """Record what this process sent but could not record (dispatch.SENT); no database
        call while there is none."""
        if not len(dispatch.SENT):
            return 0
        try:
            return dispatch.record_marks(self.store.sessions)
        except dispatch.RecordPending:
            return 0  # still unavailable: the next sweep or the redelivered event tries again

    # --- webhooks to integrators (the super-app) ------------------------------------------------

    @on_event("application.status_changed")
    def on_status_changed_webhooks(self, envelope: dict) -> None:
        """Record the event's deliveries (committed before the ack: never lost), then try them
        once; what fails is retried by ``retry_webhooks``."""
        event_id, event = parse_envelope(envelope, "application.status_changed")
        if not deliveries.has_followers_signed_in(event):
            return  # no subscriber can match: not even a transaction (most applications)
        with self.store.session() as session, session.begin():
            keys = deliveries.record(session, event_id, "application.status_changed", event)
        for key in keys:
            deliveries.attempt(self.store.sessions, key, is_development())

    @timer(interval=WEBHOOK_SWEEP_SECONDS)
    def retry_webhooks(self) -> int:
        with self.store.session() as session:
            keys = deliveries.due(session)
        for key in keys:
            deliveries.attempt(self.store.sessions, key, is_development())
        return len(keys)

    @rpc
    def staff_create_webhook(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        principal = self.store.staff(token, "admin")
        auditor = Auditor(self.store.outbox, principal)
        return self._write(lambda s: subscribers.create(
            s, payload, principal.username, is_development(), auditor
        ), keep=subscribers.without_secret, replay=subscribers.with_secret)

    @rpc
    def staff_webhooks(self, token: str) -> dict[str, Any]:
        self.store.staff(token, *STAFF_ROLES)
        with self.store.session() as session:
            return {"subscribers": subscribers.listing(session)}

    @rpc
    def staff_disable_webhook(self, token: str, subscriber_id: str) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, "admin"))
        return self._write(lambda s: subscribers.disable(s, subscriber_id, auditor))

    @rpc
    def staff_webhook_deliveries(self, token: str, state: str | None = None,
                                 subscriber_id: str | None = None) -> dict[str, Any]:
        principal = self.store.staff(token, *STAFF_ROLES)
        with self.store.session() as session:
            found = deliveries.listing(session, state, subscriber_id)
        staff_audit.record_read(self.store.sessions, Auditor(self.store.outbox, principal),
                                "VIEW_WEBHOOK_DELIVERIES", detail=f"n={len(found)}")
        return {"deliveries": found}

    @rpc
    def staff_replay_webhook(self, token: str, delivery_id: str) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, "admin"))
        return self._write(lambda s: deliveries.replay(s, delivery_id, auditor))

    def _write(self, action: Callable[[Any], Any], **once: Any) -> Any:
        """One transaction, once per request id (``store.write``; ``once``: keep/replay)."""
        return self.store.write(action, **once)

    # --- citizens: the in-app inbox (the gateway has checked the access token with intake) ---

    @rpc
    def inbox(self, application_id: str) -> dict[str, Any]:
        return {"messages": dispatch.inbox(self.store.sessions, application_id)}

    # --- providers: delivery receipts ---------------------------------------------------------

    @rpc
    def delivery_receipt(self, provider: str, body: str, signature: str | None) -> dict:
        """A provider's signed delivery receipt (see ``receipts.parse_receipt``)."""
        reference, status = parse_receipt(provider, body, signature)
        state = dispatch.record_receipt(self.store.sessions, reference, status)
        if state is None:
            raise NotFound("Pesan tidak ditemukan.", code="MESSAGE_NOT_FOUND")
        return {"state": state}

    # --- staff ----------------------------------------------------------------------------------

    @rpc
    def staff_messages(self, token: str, state: str | None = None,
                       application_id: str | None = None) -> dict[str, Any]:
        principal = self.store.staff(token, *STAFF_ROLES)
        if state and state not in dispatch.STATES:
            raise ValidationFailed(fields={"state": ["Status pesan tidak dikenal."]})
        if application_id and not dispatch.is_uuid(application_id):
            raise ValidationFailed(fields={"application_id": ["ID permohonan tidak valid."]})
        messages = dispatch.list_messages(self.store.sessions, state, application_id)
        staff_audit.record_read(self.store.sessions, Auditor(self.store.outbox, principal),
                                "VIEW_MESSAGES", application_id=application_id or None,
                                detail=f"state={state or 'all'} n={len(messages)}")
        return {"messages": messages}

    @rpc
    def staff_templates(self, token: str) -> dict[str, Any]:
        self.store.staff(token, *STAFF_ROLES)
        return {"templates": rendering.catalogue()}

    @rpc
    def staff_preview(self, token: str, template: str, channel: str) -> dict[str, Any]:
        principal = self.store.staff(token, *STAFF_ROLES)
        if not rendering.has_template(channel, template):
            raise NotFound("Templat tidak ditemukan.", code="TEMPLATE_NOT_FOUND")
        preview = rendering.preview_view(template, channel, self.public_base_url)
        staff_audit.record_read(self.store.sessions, Auditor(self.store.outbox, principal),
                                "PREVIEW_TEMPLATE", detail=f"{channel}/{template}"[:200])
        return preview

    @rpc
    def subject_data(self, token: str, application_ids: list[str],
                     complaint_ids: list[str] | None = None) -> dict[str, Any]:
        """Data-subject export (issue 14): messages about these applications and complaints,
        never their bodies; for an auditor or a citizen's export grant covering them."""
        _, apps, complaints = export_grant.authorize(
            token, application_ids, lambda t: self.store.staff(t, *export_grant.EXPORT_ROLES),
            complaint_ids,
        )
        with self.store.session() as session:
            return subject_export.subject_data(session, apps + complaints)

    # --- staff notices ----------------------------------------------------------------------------

    def _alert_if_failing(self) -> None:
        """Best effort, after every delivery: it must not replace the delivery's own outcome
        (a RecordPending that waits would become a failure that spends an attempt)."""
        try:
            staff_notices.alert_failing_channels(
                self.store.sessions, self.policy, self.senders.get("EMAIL"),
                staff_notices.supervisor_emails(),
            )
        except Exception as exc:
            log.warning("channel-failure check skipped: %s", type(exc).__name__)

    @timer(interval=staff_notices.DIGEST_INTERVAL_SECONDS)
    def send_breach_digest(self) -> str | None:
        """Email supervisors the applications past their service target (once per period)."""
        return staff_notices.send_breach_digest(
            self.store.sessions, self.policy, self.senders.get("EMAIL"),
            staff_notices.supervisor_emails(), self.intake.breaches,
        )
