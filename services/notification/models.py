"""Notification's tables (schema ``notification``): one row per message per channel.

Message bodies are not stored for outgoing channels: some carry a download PIN, and all carry
personal data; the text is rendered again from the (redelivered) event when a send is retried.
Only INBOX messages keep their text, because the citizen reads them later on the tracking page;
they never carry the PIN.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from silasidakep.db import service_metadata

metadata = service_metadata("notification", staff_access=True)


class Base(DeclarativeBase):
    metadata = metadata


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("event_id", "channel"),
        Index("ix_notification_messages_throttle", "recipient_hash", "channel", "sending_at"),
        Index("ix_notification_messages_channel_attempt", "channel", "last_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(String(20))  # EMAIL, SMS, WHATSAPP, INBOX
    template: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer, default=1)
    # The application (or complaint) the message is about; NULL for staff notices.
    application_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    recipient_masked: Mapped[str] = mapped_column(String(254))
    # HMAC of the address: throttling and duplicate detection without storing the address.
    recipient_hash: Mapped[str | None] = mapped_column(String(64))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    # QUEUED, SENDING, SENT, DELIVERED, FAILED, TECHNICAL_FAILURE, SKIPPED
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    body: Mapped[str | None] = mapped_column(Text)  # INBOX only
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Attempt(Base):
    """One try at one message: what the channel-failure alert and staff look at."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_notification_attempts_channel_at", "channel", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))  # sent, transient, permanent
    error: Mapped[str | None] = mapped_column(Text)


# --- webhooks to integrators (the super-app): see services/notification/webhooks/ -------------


class WebhookSubscriber(Base):
    """An integrator's endpoint. ``secret`` (``whsec_…``) signs every request; it is shown
    once, at creation, and kept here only because signing needs it."""

    __tablename__ = "webhook_subscribers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSONB)  # e.g. ["application.status_changed"]
    # The OpenID issuer whose users the subscriber serves: a follower signed in there is its user.
    issuer: Mapped[str] = mapped_column(String(500), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One event to one subscriber. ``id`` is the ``webhook-id`` header: derived from (event
    id, subscriber), so it is the same on every attempt, replay and redelivered event.

    PENDING -> SENDING -> DELIVERED | FAILED (retried at ``next_attempt_at``) -> ... ->
    TECHNICAL_FAILURE (terminal; an admin may replay it)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscriber_id"),
        Index("ix_notification_webhook_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subscriber_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The body sent (no NIK, no secret): built once, so every attempt signs the same bytes.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """One HTTP request of one delivery (the receiver's status code, or why there was none)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))  # delivered, failed, refused
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
