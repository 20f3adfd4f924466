"""The survey's tables (schema ``intake``; imported by ``services.intake.models``).

An invitation names its application (to invite once and to check that the application has
ended); a response names the application only for the one-per-application rule. Reports read
responses alone and never select ``application_id`` (docs/ikm.md, anonymity).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.models import Base


class SurveyInvitation(Base):
    __tablename__ = "survey_invitations"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_survey_invitations"),
        UniqueConstraint("application_id", name="uq_survey_invitations_application"),
        UniqueConstraint("token_hash", name="uq_survey_invitations_token_hash"),
        CheckConstraint("ended_by IN ('DOWNLOADED', 'COLLECTED')",
                        name="ck_survey_invitations_ended_by"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", name="fk_survey_invitations_application")
    )
    # SHA-256 of the 256-bit token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64))
    # How the application ended: the issued PDF downloaded, or collected at the kecamatan.
    ended_by: Mapped[str] = mapped_column(String(20))
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_survey_responses"),
        UniqueConstraint("application_id", name="uq_survey_responses_application"),
        CheckConstraint("jsonb_typeof(scores) = 'object'", name="ck_survey_responses_scores"),
        # Reports read a period, by service.
        Index("ix_survey_responses_answered_service", "answered_at", "service_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Only for "one per application"; reports never read it.
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", name="fk_survey_responses_application")
    )
    # What the reports group by, copied so they never join the application (and its NIK).
    service_code: Mapped[str] = mapped_column(String(40))
    kecamatan_code: Mapped[str] = mapped_column(String(13))
    channel: Mapped[str] = mapped_column(String(20))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # {"U1": 4, ..., "U9": 3}: every element of ikm.yaml's version ``ikm_version``.
    scores: Mapped[dict[str, int]] = mapped_column(JSONB)
    ikm_version: Mapped[int] = mapped_column()
    # Saran dan masukan, with NIK/KK-shaped numbers masked before it is stored.
    comment: Mapped[str | None] = mapped_column(Text)
