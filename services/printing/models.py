"""Printing's tables (schema ``printing``): the register of issued documents.

It keeps only what public verification shows (masked NIK, name, number, dates, signer), plus a
hash of the KK number to find the document a re-issue supersedes, and what the signer's queue
needs (the application's tracking code and where the unsigned draft is stored)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from silasidakep.db import service_metadata

metadata = service_metadata("printing")


class Base(DeclarativeBase):
    metadata = metadata


class IssuedDocument(Base):
    __tablename__ = "documents"

    document_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    document_type: Mapped[str] = mapped_column(String(20))
    # RENDERING -> ISSUED (SIGNING_MODE=auto), or
    # RENDERING -> AWAITING_SIGNATURE -> ISSUED (SIGNING_MODE=manual: a signer signs the draft)
    state: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str | None] = mapped_column(String(20))  # ACTIVE, SUPERSEDED, REVOKED
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    holder_name: Mapped[str] = mapped_column(String(60))
    nik_masked: Mapped[str] = mapped_column(String(16))
    signer: Mapped[str | None] = mapped_column(String(200))
    object_key: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    allocated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tracking_code: Mapped[str | None] = mapped_column(String(16))
    draft_object_key: Mapped[str | None] = mapped_column(Text)
    drafted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[str | None] = mapped_column(String(60))  # staff username; None when auto
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(60))
    revocation_reason: Mapped[str | None] = mapped_column(Text)


class DocumentCounter(Base):
    """Serial numbers per document type and year, allocated under a row lock."""

    __tablename__ = "document_counters"

    document_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)
