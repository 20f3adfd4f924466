"""Turns events into messages: record first (idempotent on event id × channel), then send."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.notification.mailer import RenderedEmail, SmtpSettings, render_email, send_email
from services.notification.models import Message
from silasidakep import metrics
from silasidakep.masking import mask_email

EMAIL = "email"


def _locked_message(
    session: Session, event_id: uuid.UUID, template: str, application_id: uuid.UUID,
    email: str, subject: str,
) -> Message:
    """The message row for this event, created if needed and locked for this transaction.

    The lock is what makes concurrent deliveries of one event (a redelivery racing the
    original) wait for each other instead of both sending."""
    session.execute(
        insert(Message)
        .values(
            id=uuid.uuid4(), event_id=event_id, channel=EMAIL, template=template,
            application_id=application_id, recipient_masked=mask_email(email), subject=subject,
            state="QUEUED", attempts=0, created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["event_id", "channel"])
    )
    return session.scalars(
        select(Message)
        .where(Message.event_id == event_id, Message.channel == EMAIL)
        .with_for_update()
    ).one()


def deliver_email(
    sessions: sessionmaker, smtp: SmtpSettings, event_id: uuid.UUID, template: str,
    application_id: uuid.UUID, to: str, email: RenderedEmail,
) -> bool:
    """Send once. Returns False when a previous delivery of this event already sent it.

    A crash between sending and committing SENT resends on redelivery: SMTP cannot tell
    whether a server already accepted a message, so at-least-once is the honest guarantee.
    """
    failure: Exception | None = None
    with sessions() as session, session.begin():
        message = _locked_message(session, event_id, template, application_id, to, email.subject)
        if message.state == "SENT":
            return False
        message.attempts += 1
        try:
            send_email(smtp, to, email)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            failure = exc
        else:
            message.state, message.sent_at, message.last_error = "SENT", datetime.now(UTC), None
    outcome = "failed" if failure else "sent"
    metrics.NOTIFICATIONS.labels(channel=EMAIL, outcome=outcome).inc()
    if failure:
        raise failure  # the handler retries with backoff, then dead-letters
    return True


def status_email(event: dict[str, Any], public_base_url: str) -> RenderedEmail:
    # The tracking page holds the citizen's access token; links never carry it.
    page = f"{public_base_url}/permohonan"
    return render_email("status_changed", event=event, tracking_url=page, download_url=page)


def pin_email(event: dict[str, Any]) -> RenderedEmail:
    return render_email("download_pin", event=event)


# --- in-person appointments and complaints -------------------------------------------------------

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)
APPOINTMENT_TEMPLATES = ("booked", "rescheduled", "cancelled", "reminder_due")
COMPLAINT_TEMPLATES = ("filed", "answered")


def tanggal(day: date) -> str:
    """``Senin, 30 November 2026``."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def appointment_when(event: dict[str, Any]) -> str:
    start, end = event["start_time"], event["end_time"]
    return f"{tanggal(event['slot_date'])}, pukul {start:%H.%M}–{end:%H.%M} WIB"


def appointment_email(kind: str, event: dict[str, Any], public_base_url: str) -> RenderedEmail:
    if kind not in APPOINTMENT_TEMPLATES:
        raise ValueError(f"unknown appointment email {kind}")
    base = f"{public_base_url}/api/v1/applications/{event['application_id']}"
    return render_email(
        f"appointment_{kind}", event=event, when=appointment_when(event),
        appointments_url=f"{base}/appointments",
    )


def complaint_email(kind: str, event: dict[str, Any], public_base_url: str) -> RenderedEmail:
    if kind not in COMPLAINT_TEMPLATES:
        raise ValueError(f"unknown complaint email {kind}")
    noun = "Pengaduan" if event["kind"] == "COMPLAINT" else "Saran"
    return render_email(
        f"complaint_{kind}", event=event, noun=noun,
        complaint_url=f"{public_base_url}/api/v1/complaints/{event['tracking_code']}",
    )
