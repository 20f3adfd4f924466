"""States of a document in printing's register (the values are stored and shown as they are)."""

from __future__ import annotations

from enum import StrEnum


class DocumentState(StrEnum):
    """Where issuing stands: allocated and rendering, parked for the signer, or issued."""

    RENDERING = "RENDERING"
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"
    ISSUED = "ISSUED"


class DocumentStatus(StrEnum):
    """What the public verification page says of an issued document."""

    ACTIVE = "ACTIVE"
    SUPERSEDED = "SUPERSEDED"  # a newer document of the same type and subject was issued
    REVOKED = "REVOKED"
