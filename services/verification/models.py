"""Verification's tables (schema ``verification``): the work queue, staff accounts, decisions and
the staff access log. Application data here is the snapshot each submission round carried."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from silasidakep.db import service_metadata

metadata = service_metadata("verification")


class Base(DeclarativeBase):
    metadata = metadata


class QueueItem(Base):
    __tablename__ = "queue_items"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round: Mapped[int] = mapped_column(Integer)
    # PENDING, CLAIMED, DECIDED, CANCELLED (by the citizen)
    state: Mapped[str] = mapped_column(String(20), index=True)
    tracking_code: Mapped[str] = mapped_column(String(16))
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    kecamatan_code: Mapped[str] = mapped_column(String(13), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    application: Mapped[dict[str, Any]] = mapped_column(JSONB)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # Document types and form fields a revision request may name (from the submitted event).
    requirements: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The documents the application will issue (the ``outputs`` of application.submitted),
    # shown on the review: an updated KK's current and updated family, a correction's changes.
    outputs: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    claimed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The pre-checks shown with every review look up other applications by these values
    # (services/verification/prechecks.py): indexed, so a review does not scan the queue.
    __table_args__ = tuple(
        Index(f"ix_queue_items_{name}", text(f"(application #>> '{{{path}}}')"))
        for name, path in (("applicant_nik", "applicant,nik"), ("birth_date", "form,birth_date"),
                           ("child_nik", "form,child_nik"),
                           ("deceased_nik", "form,deceased_nik"))
    )


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint("totp_confirmed_at IS NULL OR totp_secret IS NOT NULL",
                        name="ck_staff_totp_confirmed_has_secret"),
        # A front-office account files at one desk: never without its location.
        CheckConstraint("NOT (roles ? 'front_office') OR location_code IS NOT NULL",
                        name="ck_staff_front_office_location"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # In every token ("ver"); raised when the account is disabled or its roles or password
    # change, which ends every token issued before.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Required for a kecamatan_operator: the one kecamatan whose print desk the account works.
    kecamatan_code: Mapped[str | None] = mapped_column(String(13))
    # Required for front_office: the service location (intake's ``locations.code``) whose
    # counter the account works; intake checks it exists when the account files there.
    location_code: Mapped[str | None] = mapped_column(String(20))
    # Optional TOTP (services/verification/totp.py): the secret sealed with AES-GCM, never in
    # clear; pending until confirmed_at is set; the last accepted time step (no replays).
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("queue_items.application_id"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    fix_fields: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    fix_documents: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReasonCode(Base):
    """The managed catalogue of decision reasons (admin): Indonesian text the citizen reads,
    the decisions it may go with, and whether verifiers may still pick it. Codes are never
    deleted (past decisions name them); an admin deactivates them instead."""

    __tablename__ = "reason_codes"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # A subset of REJECT, REQUEST_REVISION, APPROVE (an approval may carry one, optionally).
    decisions: Mapped[list[str]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(60))


class AccessLog(Base):
    """Append-only, hash-chained record of staff actions and reads of citizen data.

    ``seq`` is gapless and assigned under the lock of the single ``audit_head`` row;
    ``hash`` is SHA-256 over the canonical JSON of the entry including ``prev_hash`` (see
    ``services/verification/audit.py``). A trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "access_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    username: Mapped[str | None] = mapped_column(String(60), index=True)
    action: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    detail: Mapped[str | None] = mapped_column(String(200))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The one row that orders the chain: last ``seq`` and its ``hash``, locked FOR UPDATE by
    every writer. It also anchors the tail: entries deleted from the end are detected."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="audit_head_single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class LoginAttempt(Base):
    """Every login attempt, by the username typed (known or not) and the client address; the
    delays and the backstop lock (services/verification/login_limits.py) are computed from
    these rows, so they hold across replicas."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_verification_login_attempts_username_at", "username", "at"),
        Index("ix_verification_login_attempts_client_ip_at", "client_ip", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(60))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    # SUCCESS, FAILED, LOCKED (refused during the backstop lock), DELAYED (refused unchecked,
    # too soon), TOTP_ASKED (right password, no code yet), RESET (an admin unlocked)
    outcome: Mapped[str] = mapped_column(String(10))
