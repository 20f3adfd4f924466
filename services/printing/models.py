"""Printing's tables (schema ``printing``): the register of issued documents.

It keeps only what public verification shows (masked NIK, name, number, dates, signer), plus a
hash of the KK number to find the document a re-issue supersedes, and what the signer's queue
needs (the application's tracking code and where the unsigned draft is stored)."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from silasidakep.db import service_metadata

metadata = service_metadata("printing", staff_access=True)


class Base(DeclarativeBase):
    metadata = metadata


CHECK_CODE_LENGTH = 16  # 80 random bits, base32 (A-Z, 2-7)


def new_check_code() -> str:
    """The unguessable code the QR code carries next to the (sequential) document number."""
    return base64.b32encode(secrets.token_bytes(CHECK_CODE_LENGTH * 5 // 8)).decode()


OUTPUT_KINDS = ("ORIGINAL", "CORRECTION", "REPRINT")  # silasidakep.contracts.OUTPUT_KINDS


class IssuedDocument(Base):
    """One document of an application: an application issues one per output (the akta, the
    updated KK, the KIA), each with its own number, PDF and QR code."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("application_id", "output_key", name="documents_application_output_key"),
        CheckConstraint("kind IN ('ORIGINAL', 'CORRECTION', 'REPRINT')",
                        name="documents_kind_known"),
    )

    document_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # Which output of the application (its document type, unless a service issued two of one).
    output_key: Mapped[str] = mapped_column(String(40))
    document_type: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12), default="ORIGINAL")  # OUTPUT_KINDS
    # The document number a correction or reprint replaces, and the newer document that
    # superseded this one (the register's history, in both directions).
    replaces: Mapped[str | None] = mapped_column(String(40))
    superseded_by: Mapped[str | None] = mapped_column(String(40))
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
    # In the QR code (``?c=``); public verification shows the holder's name only with it.
    # NULL for documents allocated before the column existed: their QR codes carry none, so
    # they only ever get the status-only answer.
    check_code: Mapped[str | None] = mapped_column(
        String(CHECK_CODE_LENGTH), default=new_check_code
    )
    # Issuance attempts that found the document still RENDERING, the first included. Only an
    # attempt finalising a document others attempted too can find their stored copies, so
    # only then is the number's storage prefix listed.
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class DocumentCounter(Base):
    """Serial numbers per document type and year, allocated under a row lock."""

    __tablename__ = "document_counters"

    document_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


# --- Cekatan: the kecamatan print queue and blanko stock -------------------------------------


class PrintJob(Base):
    """One document to print and hand over at the applicant's kecamatan.

    PENDING (waiting for the signature) -> QUEUED_AT_KECAMATAN -> PRINTED -> COLLECTED; a card
    (KTP-el, KIA) with no blanko at its kecamatan waits in AWAITING_BLANKO (first come, first
    served) and goes back to QUEUED_AT_KECAMATAN with a blanko reserved when stock arrives.
    Revoking the document cancels a job not yet collected (CANCELLED). One job per document:
    an application with several documents to collect has several."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        Index("ix_print_jobs_queue", "kecamatan_code", "state", "queued_at"),
        Index("ix_print_jobs_waiting", "kecamatan_code", "card_type", "state", "awaiting_since"),
        Index("ix_print_jobs_application", "application_id"),
        UniqueConstraint("document_number", name="print_jobs_document_number_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    document_number: Mapped[str] = mapped_column(String(40))
    document_type: Mapped[str] = mapped_column(String(20))
    card_type: Mapped[str | None] = mapped_column(String(20))  # KTP_EL, KIA; None: HVS paper
    kecamatan_code: Mapped[str] = mapped_column(String(13))
    state: Mapped[str] = mapped_column(String(24))
    seq: Mapped[int] = mapped_column(Integer, default=0)  # print_job.changed events sent
    blanko_reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    tracking_code: Mapped[str | None] = mapped_column(String(16))
    holder_name: Mapped[str] = mapped_column(String(60))
    # The approved application, kept only for the temporary certificate (Suket) while the card
    # is not collected; cleared on COLLECTED.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    awaiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    printed_by: Mapped[str | None] = mapped_column(String(60))
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    collected_by: Mapped[str | None] = mapped_column(String(60))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suket_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    suket_object_key: Mapped[str | None] = mapped_column(Text)
    suket_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The Suket's QR check code, set with its number (NULL for Sukets numbered before it).
    suket_check_code: Mapped[str | None] = mapped_column(String(CHECK_CODE_LENGTH))


class BlankoStock(Base):
    """Card blanko on hand per location (the kecamatan code) and card type; never negative."""

    __tablename__ = "blanko_stock"
    __table_args__ = (CheckConstraint("quantity >= 0", name="blanko_stock_not_negative"),)

    kecamatan_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    card_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BlankoMovement(Base):
    """The stock ledger: RECEIVED (+), USED (-1 per card printed or reserved), ADJUSTED (±),
    RETURNED (+1: the blanko reserved for a job whose document was revoked)."""

    __tablename__ = "blanko_movements"
    __table_args__ = (
        Index("ix_blanko_movements_location", "kecamatan_code", "id"),
        CheckConstraint("kind IN ('RECEIVED', 'ADJUSTED', 'USED', 'RETURNED')",
                        name="blanko_movements_kind_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kecamatan_code: Mapped[str] = mapped_column(String(13))
    card_type: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)  # signed change
    balance: Mapped[int] = mapped_column(Integer)  # stock after the movement
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyLookupCount(Base):
    """Public verification lookups per client address and minute (the limit holds across
    gateway replicas). The address is kept only as a keyed digest; rows of past windows are
    deleted when a client opens a new window (``public_lookup.count_lookup``)."""

    __tablename__ = "verify_lookup_counts"
    __table_args__ = (
        PrimaryKeyConstraint("window_start", "client_hash", name="verify_lookup_counts_pkey"),
    )

    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_hash: Mapped[str] = mapped_column(String(64))
    lookups: Mapped[int] = mapped_column(Integer)
