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
