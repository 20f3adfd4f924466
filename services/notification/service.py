"""Notification service entrypoints: every citizen-facing status change becomes an email."""

from __future__ import annotations

import os
from collections.abc import Callable

from services.notification import dispatch
from services.notification.mailer import SmtpSettings
from services.notification.models import metadata
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker


def smtp_settings() -> SmtpSettings:
    settings = load_settings()
    return SmtpSettings(
        host=settings.smtp_host, port=settings.smtp_port, mail_from=settings.mail_from,
        username=os.environ.get("SMTP_USERNAME") or None,
        password=os.environ.get("SMTP_PASSWORD") or None,
        starttls=os.environ.get("SMTP_STARTTLS") == "1",
    )


class NotificationService(ServiceOps):
    name = "notification"
    store = Store(metadata)

    def __init__(self) -> None:
        self.smtp = smtp_settings()
        self.public_base_url = load_settings().public_base_url

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    @on_event("application.status_changed")
    def on_status_changed(self, envelope: dict) -> None:
        event_id, event = parse_envelope(envelope, "application.status_changed")
        email = dispatch.status_email(event, self.public_base_url)
        dispatch.deliver_email(
            self.store.sessions, self.smtp, event_id, f"status_changed.{event['status']}",
            event["application_id"], event["recipient"]["email"], email,
        )

    @on_event("application.download_pin_issued")
    def on_download_pin_issued(self, envelope: dict) -> None:
        event_id, event = parse_envelope(envelope, "application.download_pin_issued")
        dispatch.deliver_email(
            self.store.sessions, self.smtp, event_id, "download_pin",
            event["application_id"], event["recipient"]["email"], dispatch.pin_email(event),
        )

    # --- in-person appointments ----------------------------------------------------------------

    def _appointment(self, envelope: dict, kind: str) -> None:
        event_id, event = parse_envelope(envelope, f"appointment.{kind}")
        email = dispatch.appointment_email(kind, event, self.public_base_url)
        dispatch.deliver_email(
            self.store.sessions, self.smtp, event_id, f"appointment_{kind}",
            event["application_id"], event["recipient"]["email"], email,
        )

    @on_event("appointment.booked")
    def on_appointment_booked(self, envelope: dict) -> None:
        self._appointment(envelope, "booked")

    @on_event("appointment.rescheduled")
    def on_appointment_rescheduled(self, envelope: dict) -> None:
        self._appointment(envelope, "rescheduled")

    @on_event("appointment.cancelled")
    def on_appointment_cancelled(self, envelope: dict) -> None:
        self._appointment(envelope, "cancelled")

    @on_event("appointment.reminder_due")
    def on_appointment_reminder_due(self, envelope: dict) -> None:
        self._appointment(envelope, "reminder_due")

    # --- complaints and feedback ---------------------------------------------------------------

    def _complaint(self, envelope: dict, kind: str) -> None:
        event_id, event = parse_envelope(envelope, f"complaint.{kind}")
        email = dispatch.complaint_email(kind, event, self.public_base_url)
        # messages.application_id is NOT NULL and a complaint has no application: the
        # complaint's own id goes there (a complaint and an application never share an id).
        dispatch.deliver_email(
            self.store.sessions, self.smtp, event_id, f"complaint_{kind}",
            event["complaint_id"], event["recipient"]["email"], email,
        )

    @on_event("complaint.filed")
    def on_complaint_filed(self, envelope: dict) -> None:
        self._complaint(envelope, "filed")

    @on_event("complaint.answered")
    def on_complaint_answered(self, envelope: dict) -> None:
        self._complaint(envelope, "answered")
