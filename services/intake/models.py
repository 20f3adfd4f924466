"""Intake's tables (schema ``intake``): applications as the citizen sees them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from silasidakep.db import service_metadata

metadata = service_metadata("intake", staff_access=True)


class Base(DeclarativeBase):
    metadata = metadata


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('ONLINE', 'SUPER_APP', 'LOKET_MPP', 'KECAMATAN', 'DESA')",
            name="ck_applications_channel",
        ),
        # Reports read a period by channel and kecamatan (issue 15).
        Index("ix_applications_created_channel", "created_at", "channel"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    catalogue_version: Mapped[int] = mapped_column(Integer)
    # The service's catalogue entry as it was when the application was created: the application
    # is validated against it for its whole life, whatever later catalogue versions say.
    service_definition: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(40), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kk_number: Mapped[str] = mapped_column(String(16))
    kecamatan_code: Mapped[str] = mapped_column(String(13))
    # The contact of whoever filed (at least one of the two; checked on create and update).
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    # Where the citizen wants to be notified (EMAIL, SMS, WHATSAPP, INBOX); NULL: the default.
    notify_channels: Mapped[list[str] | None] = mapped_column(JSONB)
    # A change of email or phone waiting for its one-time code (issue 13), e.g.
    # {"field": "email", "value": "baru@example.id"}; value None removes the contact.
    pending_contact: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    form: Mapped[dict[str, Any]] = mapped_column(JSONB)
    warnings: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    access_token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The issued documents (number, stored PDF, state) are ApplicationOutput rows (issue 16).
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pin_hash: Mapped[str | None] = mapped_column(Text)
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # In-person steps done, e.g. {"BIOMETRICS": "2026-11-28T09:10:00+00:00"}.
    presence_done: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # Cekatan: DOWNLOAD (print at home) or KECAMATAN (the kecamatan prints it; cards always).
    delivery: Mapped[str] = mapped_column(
        String(20), default="DOWNLOAD", server_default=text("'DOWNLOAD'")
    )
    # The last print_job.changed applied (its seq), so the job's changes apply in order.
    print_seq: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The citizen account that filed it (NULL: a guest application, or filed before accounts).
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("citizen_accounts.id"), index=True
    )
    # The pelapor when it is not the person named above (who is then the subject, the holder
    # of the document): {"name", "nik", "kk_number", "relationship"}.
    reporter: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    # Whom the document is about (domain/subject.py): the child of a birth, the deceased of a
    # death, otherwise ``nik``. A subject's own account (its NIK verified) sees the application.
    subject_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    subject_name: Mapped[str | None] = mapped_column(String(60))
    # How it came in (domain/channels.py): ONLINE (the web pages), SUPER_APP (an API client
    # with the super-app's token), or a counter: LOKET_MPP, KECAMATAN, DESA; for those also
    # the service location it was filed at (the staff member is in the audit log).
    channel: Mapped[str] = mapped_column(
        String(20), default="ONLINE", server_default=text("'ONLINE'")
    )
    filed_at_location: Mapped[str | None] = mapped_column(String(40))

    documents: Mapped[list[Document]] = relationship(
        back_populates="application", order_by="Document.uploaded_at"
    )
    account: Mapped[CitizenAccount | None] = relationship()
    history: Mapped[list[StatusChange]] = relationship(order_by="StatusChange.id")


class Document(Base):
    """Every upload is kept for audit; only the latest of each type (``current``) counts."""

    __tablename__ = "documents"
    # Retention looks only at documents still stored.
    __table_args__ = (Index("ix_documents_unpurged", "application_id",
                            postgresql_where=text("purged_at IS NULL")),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    object_key: Mapped[str] = mapped_column(Text, unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    current: Mapped[bool] = mapped_column(default=True)
    # Retention deleted the object (applications/retention.py); the metadata row stays.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="documents")


class StatusChange(Base):
    __tablename__ = "status_history"
    __table_args__ = (
        UniqueConstraint("application_id", "seq"),
        # Reports read a period's events of a few kinds (services/intake/reporting/flows.py).
        Index("ix_status_history_status_at", "status", "at",
              postgresql_include=["application_id", "round", "reason_code"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    round: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(60))
    reason_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # With REVISION_REQUESTED: what the verifier asked the citizen to fix.
    fix_fields: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    fix_documents: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )


# --- citizen accounts (services/intake/accounts/) ------------------------------------------------


class CitizenAccount(Base):
    """A citizen who signs in (by a one-time code or at the super-app's OpenID issuer)."""

    __tablename__ = "citizen_accounts"
    __table_args__ = (
        CheckConstraint(
            "preferred_channel IN ('EMAIL', 'SMS', 'WHATSAPP')", name="ck_accounts_channel"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(60))
    preferred_channel: Mapped[str] = mapped_column(String(20))
    # Set when a verifier approved an application the account filed for itself: from then on
    # the account also sees applications about that NIK filed by others.
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    nik_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contacts: Mapped[list[AccountContact]] = relationship(order_by="AccountContact.id")
    identities: Mapped[list[AccountIdentity]] = relationship(order_by="AccountIdentity.id")


class AccountContact(Base):
    """A phone number (+62…) or email address the account proved it holds; one account each."""

    __tablename__ = "account_contacts"
    __table_args__ = (
        CheckConstraint("kind IN ('PHONE', 'EMAIL')", name="ck_account_contacts_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(254), unique=True)
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountIdentity(Base):
    """A sign-in at an outside OpenID issuer (the super-app), linked by the issuer's ``sub``."""

    __tablename__ = "account_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_account_identities_sub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_accounts.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountSession(Base):
    """A signed-in device: the token is kept only as its SHA-256."""

    __tablename__ = "account_sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    via: Mapped[str] = mapped_column(String(10))  # CODE, OIDC
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OneTimeCode(Base):
    """A 6-digit code sent to a contact. Only keyed digests are stored: of the code, of the
    identifier it was sent for (the contact, or the tracking code for ATTACH/RECOVER) and of
    the caller's address, so the limits can count without holding either."""

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_identifier", "purpose", "identifier_hash", "created_at"),
        Index("ix_one_time_codes_client", "client_hash", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    identifier_hash: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str | None] = mapped_column(String(64))
    code_digest: Mapped[str] = mapped_column(String(64))
    # ATTACH: the account that asked; the code only works for it.
    account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- in-person appointments (services/intake/appointments/) ------------------------------------


class Location(Base):
    """A place where citizens do in-person steps or are served at a counter: the Dinas office,
    the MPP, a kecamatan office, a desa/kelurahan office (front office only, issue 15)."""

    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint("kind IN ('DINAS', 'MPP', 'KECAMATAN', 'DESA')",
                        name="ck_locations_kind"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    kecamatan_code: Mapped[str | None] = mapped_column(String(13), index=True)
    address: Mapped[str] = mapped_column(Text)
    # Presence step codes served here, e.g. ["BIOMETRICS", "COLLECTION"].
    steps: Mapped[list[str]] = mapped_column(JSONB, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Slot(Base):
    """A time window at a location (dates and times are WIB) with a number of places.

    ``booked`` only moves through conditional UPDATEs (see appointments.py); the CHECKs are the
    last line of defence against overbooking."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("location_code", "date", "start_time", name="uq_slots_location_start"),
        CheckConstraint("booked <= capacity", name="ck_slots_not_overbooked"),
        CheckConstraint("booked >= 0", name="ck_slots_booked_non_negative"),
        CheckConstraint("end_time > start_time", name="ck_slots_window"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    location_code: Mapped[str] = mapped_column(ForeignKey("locations.code"))
    date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        # At most one live booking per application and step; cancelled ones stay for history.
        Index(
            "uq_appointments_one_booked_per_step", "application_id", "step", unique=True,
            postgresql_where=text("status = 'BOOKED'"),
        ),
        CheckConstraint(
            "status IN ('BOOKED', 'CANCELLED', 'ATTENDED', 'NO_SHOW')",
            name="ck_appointments_status",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who recorded ATTENDED / NO_SHOW, for the audit trail.
    marked_by: Mapped[str | None] = mapped_column(String(60))


# --- complaints and feedback (services/intake/complaints.py) ----------------------------------


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("kind IN ('COMPLAINT', 'FEEDBACK')", name="ck_complaints_kind"),
        CheckConstraint("status IN ('OPEN', 'ANSWERED', 'CLOSED')", name="ck_complaints_status"),
        CheckConstraint("char_length(message) <= 2000", name="ck_complaints_message_length"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    # The application it is about, if any (checked to exist when filed).
    application_tracking_code: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    access_token_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApplicationAccess(Base):
    """Who opened or acted on an application (the citizen's "Riwayat akses data Anda"), one
    row per audit event: intake's own, written with the action, and verification's, printing's
    and notification's, taken from their ``audit_recorded`` events. The chain itself is
    verification's; this is the citizen's copy, without details or addresses."""

    __tablename__ = "application_access"
    __table_args__ = (
        PrimaryKeyConstraint("event_id", name="pk_application_access"),
        Index("ix_application_access_application", "application_id", "at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    office: Mapped[str | None] = mapped_column(String(20))
    roles: Mapped[list[str]] = mapped_column(JSONB, default=list)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    username: Mapped[str | None] = mapped_column(String(60))


# The survey's tables live with the survey (issue 15); imported here so they are part of this
# metadata wherever it is used (migrations, the store).
from services.intake.outputs import models as _output_models  # noqa: E402, F401
from services.intake.survey import models as _survey_models  # noqa: E402, F401
