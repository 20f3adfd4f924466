"""Turns events into messages: record first (idempotent on event id × channel), then send."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.notification.mailer import RenderedEmail, SmtpSettings, render_email, send_email
from services.notification.models import Message
from silasidakep import metrics
from silasidakep.masking import mask_email

EMAIL = "email"


def reserve(
    session: Session, event_id: uuid.UUID, template: str, application_id: uuid.UUID,
    email: str, subject: str,
) -> bool:
    """Create the message row unless it exists; False when it was already sent."""
    session.execute(
        insert(Message)
        .values(
            id=uuid.uuid4(), event_id=event_id, channel=EMAIL, template=template,
            application_id=application_id, recipient_masked=mask_email(email), subject=subject,
            state="QUEUED", attempts=0, created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["event_id", "channel"])
    )
    state = session.scalars(
        select(Message.state).where(Message.event_id == event_id, Message.channel == EMAIL)
    ).one()
    return state != "SENT"


def deliver_email(
    sessions: sessionmaker, smtp: SmtpSettings, event_id: uuid.UUID, template: str,
    application_id: uuid.UUID, to: str, email: RenderedEmail,
) -> bool:
    """Send once. Returns False when a previous delivery of this event already sent it.

    A crash between sending and recording SENT resends on redelivery: email has no way to ask
    the server whether it already accepted a message, so at-least-once is the honest guarantee.
    """
    with sessions() as session, session.begin():
        if not reserve(session, event_id, template, application_id, to, email.subject):
            return False
    try:
        send_email(smtp, to, email)
    except Exception as exc:
        _record(sessions, event_id, state="QUEUED", error=f"{type(exc).__name__}: {exc}"[:500])
        metrics.NOTIFICATIONS.labels(channel=EMAIL, outcome="failed").inc()
        raise
    _record(sessions, event_id, state="SENT", error=None)
    metrics.NOTIFICATIONS.labels(channel=EMAIL, outcome="sent").inc()
    return True


def _record(sessions: sessionmaker, event_id: uuid.UUID, state: str, error: str | None) -> None:
    with sessions() as session, session.begin():
        message = session.scalars(
            select(Message)
            .where(Message.event_id == event_id, Message.channel == EMAIL)
            .with_for_update()
        ).one()
        message.state = state
        message.attempts += 1
        message.last_error = error
        if state == "SENT":
            message.sent_at = datetime.now(UTC)


def status_email(event: dict[str, Any], public_base_url: str) -> RenderedEmail:
    base = f"{public_base_url}/api/v1/applications/{event['application_id']}"
    return render_email(
        "status_changed", event=event, tracking_url=base, download_url=f"{base}/document"
    )


def pin_email(event: dict[str, Any]) -> RenderedEmail:
    return render_email("download_pin", event=event)
