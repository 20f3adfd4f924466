"""Notification's tables (schema ``notification``): one row per message per channel.

Message bodies are not stored: some carry a download PIN, and all carry personal data."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from silasidakep.db import service_metadata

metadata = service_metadata("notification")


class Base(DeclarativeBase):
    metadata = metadata


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("event_id", "channel"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(60))
    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    recipient_masked: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), index=True)  # QUEUED, SENT
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
