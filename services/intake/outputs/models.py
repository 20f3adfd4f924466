"""One row per document an application issues (schema ``intake``; imported by
``services.intake.models``).

Planned when intake asks printing to issue (in that transaction), then moved by printing's
events: ``state`` PLANNED -> AWAITING_SIGNATURE -> ISSUED; once issued, ``status`` ACTIVE ->
SUPERSEDED (a newer document of the same subject, a correction or a reprint) or REVOKED.
``print_state`` mirrors the document's kecamatan print job (Cekatan), in job order.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.models import Base

PLANNED, AWAITING_SIGNATURE, ISSUED = "PLANNED", "AWAITING_SIGNATURE", "ISSUED"
ACTIVE, SUPERSEDED, REVOKED = "ACTIVE", "SUPERSEDED", "REVOKED"
ORIGINAL, CORRECTION, REPRINT = "ORIGINAL", "CORRECTION", "REPRINT"


class ApplicationOutput(Base):
    __tablename__ = "application_outputs"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_application_outputs"),
        UniqueConstraint("application_id", "output_key", name="uq_application_outputs_key"),
        UniqueConstraint("document_number", name="uq_application_outputs_number"),
        # The last KK this system issued for a KK number (pre-filling a family), and the
        # documents of one subject.
        Index("ix_application_outputs_subject", "document_type", "subject_key_hash", "issued_at"),
        CheckConstraint("state IN ('PLANNED', 'AWAITING_SIGNATURE', 'ISSUED')",
                        name="ck_application_outputs_state"),
        CheckConstraint("status IS NULL OR status IN ('ACTIVE', 'SUPERSEDED', 'REVOKED')",
                        name="ck_application_outputs_status"),
        CheckConstraint("kind IN ('ORIGINAL', 'CORRECTION', 'REPRINT')",
                        name="ck_application_outputs_kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    application_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("applications.id", name="fk_application_outputs_application"),
    )
    position: Mapped[int] = mapped_column(Integer)  # 0 = the service's principal document
    output_key: Mapped[str] = mapped_column(String(40))
    document_type: Mapped[str] = mapped_column(String(20))
    card: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(12), default=ORIGINAL)
    # The document number a correction or reprint replaces.
    replaces: Mapped[str | None] = mapped_column(String(40))
    # sha256 of the subject key (a KK's is its KK number), as printing keys supersession.
    subject_key_hash: Mapped[str] = mapped_column(String(64))
    # What the document renders from when it is not the application's own form (the updated
    # KK's family; a correction's or reprint's content); None: the application's form.
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    planned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20), default=PLANNED)
    status: Mapped[str | None] = mapped_column(String(12))
    document_number: Mapped[str | None] = mapped_column(String(40))
    object_key: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(40))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    print_state: Mapped[str | None] = mapped_column(String(24))
    print_seq: Mapped[int] = mapped_column(Integer, default=0)
